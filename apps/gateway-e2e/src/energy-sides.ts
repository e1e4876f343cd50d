import assert from 'node:assert/strict';
import { databaseUrl, eventually, queryOnce } from '@voltstream/testing';
import { Client } from 'pg';
import { readinessOf, settings } from './energy-api';
import { STACK_SERVICES } from './service-process';

/**
 * The write side's truth and the read sides fed from it, per meter, straight from the databases:
 * what energy-command accepted, the energy read model (raw readings and both rollups) and
 * billing-command's usage ledger. A reading lost leaves a count or sum short; one applied twice
 * leaves a rollup or the ledger long.
 */
export type Written = {
  version: number;
  count: number;
  wh: number;
};

export type Projected = {
  version: number;
  count: number;
  wh: number;
  hourlyWh: number;
  hourlyReadings: number;
  dailyWh: number;
  dailyReadings: number;
};

export type Ledger = {
  version: number | null;
  wh: number;
};

export const dbUrl = (database: string) => databaseUrl(settings.databaseUrl, database);

export async function written(meterId: string): Promise<Written> {
  const [row] = await queryOnce<Written>(
    dbUrl('energy_command'),
    `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
            (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
            (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh`,
    [meterId],
  );
  return row;
}

export async function projected(meterId: string): Promise<Projected> {
  const [row] = await queryOnce<Projected>(
    dbUrl('energy_read'),
    `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
            (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
            (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh,
            (SELECT coalesce(sum(wh), 0)::int FROM consumption_hourly WHERE meter_id = $1) AS "hourlyWh",
            (SELECT coalesce(sum(readings), 0)::int FROM consumption_hourly WHERE meter_id = $1) AS "hourlyReadings",
            (SELECT coalesce(sum(wh), 0)::int FROM consumption_daily WHERE meter_id = $1) AS "dailyWh",
            (SELECT coalesce(sum(readings), 0)::int FROM consumption_daily WHERE meter_id = $1) AS "dailyReadings"`,
    [meterId],
  );
  return row;
}

/**
 * Every row the energy read model holds for a meter in one of its versions (`public` is the live
 * one; a retired version lives in `energy_v<N>`), in a stable order: two versions built from the
 * same events hold the same rows.
 */
export async function readModelRows(meterId: string, schema = 'public'): Promise<Record<string, unknown[]>> {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`not a schema name: ${schema}`);
  const tables: Record<string, string> = {
    meters: `SELECT id, owner_id, serial_number, timezone, interval_minutes, created_at, version, latest_at, latest_wh
             FROM ${schema}.meters WHERE id = $1`,
    readings: `SELECT at, wh FROM ${schema}.readings WHERE meter_id = $1 ORDER BY at`,
    hourly: `SELECT bucket_start, bucket_end, wh, readings FROM ${schema}.consumption_hourly WHERE meter_id = $1 ORDER BY bucket_start`,
    daily: `SELECT local_date::text, bucket_start, bucket_end, wh, readings FROM ${schema}.consumption_daily WHERE meter_id = $1 ORDER BY local_date`,
  };
  const rows: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables))
    rows[name] = await queryOnce(dbUrl('energy_read'), sql, [meterId]);
  return rows;
}

export async function ledger(meterId: string): Promise<Ledger> {
  const [row] = await queryOnce<Ledger>(
    dbUrl('billing_command'),
    `SELECT (SELECT version FROM billing_meters WHERE meter_id = $1) AS version,
            (SELECT coalesce(sum(wh + late_wh), 0)::int FROM usage_hourly WHERE meter_id = $1) AS wh`,
    [meterId],
  );
  return row;
}

/** What the read model must hold for a meter whose write side is `w`: everything, once. */
const projectionOf = (w: Written): Projected => ({
  version: w.version,
  count: w.count,
  wh: w.wh,
  hourlyWh: w.wh,
  hourlyReadings: w.count,
  dailyWh: w.wh,
  dailyReadings: w.count,
});

/**
 * Waits until every meter's read model (and, with `withLedger`, its usage ledger) has reached the
 * write side's version, then asserts the read side equals the write side: 0 lost, 0 applied twice.
 * Returns the write side, for the caller's own checks of what the client sent.
 */
export async function assertReadSidesEqualWriteSide(
  meterIds: readonly string[],
  options: { withLedger?: boolean; timeoutMs?: number } = {},
): Promise<Written[]> {
  const timeoutMs = options.timeoutMs ?? 90_000;
  const result: Written[] = [];
  for (const meterId of meterIds) {
    const expected = await written(meterId);
    await eventually(
      async () => ((await projected(meterId)).version === expected.version ? true : undefined),
      timeoutMs,
      `the read model of meter ${meterId} to reach version ${expected.version}`,
    );
    assert.deepEqual(await projected(meterId), projectionOf(expected), `read model of ${meterId}`);
    if (options.withLedger) {
      await eventually(
        async () => ((await ledger(meterId)).version === expected.version ? true : undefined),
        timeoutMs,
        `the usage ledger of meter ${meterId} to reach version ${expected.version}`,
      );
      assert.deepEqual(await ledger(meterId), { version: expected.version, wh: expected.wh });
    }
    result.push(expected);
  }
  return result;
}

/** A table of `database` held in `mode` by an open transaction of our own until `release()`. */
export async function lockTable(
  database: string,
  table: string,
  mode: 'SHARE' | 'ACCESS EXCLUSIVE',
): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: dbUrl(database), application_name: 'e2e-locker' });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ${mode} MODE`);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await client.query('COMMIT').catch(() => undefined);
      await client.end();
    },
  };
}

export type LockWaiter = {
  pid: number;
  query: string;
  xactStart: string;
};

const LOCK_WAITERS = `SELECT pid, query, xact_start::text AS "xactStart" FROM pg_stat_activity
  WHERE datname = $1 AND application_name = $2 AND wait_event_type = 'Lock'
    AND query ILIKE $3 AND now() - query_start < make_interval(secs => $4::float8 / 1000)`;

/** Sessions of `applicationName` in `database` waiting for a lock on a statement like `queryPattern`. */
export async function lockWaiters(
  database: string,
  applicationName: string,
  queryPattern: string,
  freshMs = 600_000,
): Promise<LockWaiter[]> {
  return queryOnce<LockWaiter>(dbUrl('postgres'), LOCK_WAITERS, [
    database,
    applicationName,
    queryPattern,
    freshMs,
  ]);
}

/**
 * Polls (on one connection, every 20 ms) until at least `count` sessions of `applicationName`
 * in `database` wait for a lock on a statement matching `queryPattern` (SQL LIKE), each waiting
 * for less than `freshMs`; then runs `then` in the same tick (e.g. a SIGKILL, so that it lands
 * while those waits still go on) and returns the waiters.
 */
export async function whenLockWaiters(
  target: {
    database: string;
    applicationName: string;
    queryPattern: string;
    count?: number;
    freshMs?: number;
  },
  then: () => void = () => undefined,
): Promise<LockWaiter[]> {
  const client = new Client({ connectionString: dbUrl('postgres'), application_name: 'e2e-watcher' });
  await client.connect();
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      const { rows } = await client.query<LockWaiter>(LOCK_WAITERS, [
        target.database,
        target.applicationName,
        target.queryPattern,
        target.freshMs ?? 60_000,
      ]);
      if (rows.length >= (target.count ?? 1)) {
        then();
        return rows;
      }
      if (Date.now() > deadline)
        throw new Error(`no ${target.applicationName} session waited for a lock on ${target.queryPattern}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
}

/** The open transactions of `pids` right now (a backend whose client died keeps its own until it notices). */
export async function openTransactions(pids: readonly number[]): Promise<LockWaiter[]> {
  return queryOnce<LockWaiter>(
    dbUrl('postgres'),
    `SELECT pid, query, xact_start::text AS "xactStart" FROM pg_stat_activity
     WHERE pid = ANY($1::int[]) AND xact_start IS NOT NULL`,
    [pids],
  );
}

/** Waits until every backend in `pids` is gone (their client died and they noticed). */
export async function backendsGone(pids: readonly number[]): Promise<void> {
  await eventually(
    async () =>
      (
        await queryOnce<{ n: number }>(
          dbUrl('postgres'),
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])',
          [pids],
        )
      )[0].n === 0
        ? true
        : undefined,
    60_000,
    'the dead client’s database sessions to end',
  );
}

/** Waits until energy-query reads its replica again (its readiness names the target). */
export async function energyQueryReadsReplica(what: string, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () =>
      (await readinessOf('energy-query')).body.details['reads']?.['target'] === 'replica' ? true : undefined,
    timeoutMs,
    what,
  );
}

/**
 * Waits until every service of the test stack is ready again, all within `timeoutMs`: the next
 * test file expects it.
 */
export async function stackReady(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const service of STACK_SERVICES) {
    await eventually(
      async () => ((await readinessOf(service).catch(() => undefined))?.status === 200 ? true : undefined),
      Math.max(1, deadline - Date.now()),
      `${service} ready again`,
    );
  }
}

/** The state of a backend (`active`, `idle in transaction (aborted)`, ...), or undefined once gone. */
export async function backendState(pid: number): Promise<string | undefined> {
  const rows = await queryOnce<{ state: string }>(
    dbUrl('postgres'),
    'SELECT state FROM pg_stat_activity WHERE pid = $1',
    [pid],
  );
  return rows[0]?.state;
}
