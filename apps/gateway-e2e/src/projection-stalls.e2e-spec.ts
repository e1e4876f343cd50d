import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseUrl, dataOf, eventually, queryOnce } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import {
  newUser,
  quarterHourReadings,
  readinessOf,
  recordReadings,
  registerMeter,
  settings,
} from './energy-api';
import { metricValue } from './service-metrics';

/**
 * F9: a read-model table locked for longer than every old retry budget (the test stack's
 * projections give up a lock after 1 s, PROJECTION_LOCK_TIMEOUT_MS in scripts/lib/apps.mjs, and
 * the old runner dead-lettered after six tries). The consumer waits, readiness says why, nothing
 * is dead-lettered, and the read side ends equal to the write side.
 */
const LOCK_MS = 20_000;

const energyCommandDb = () => databaseUrl(settings.databaseUrl, 'energy_command');

/** Messages in energy.events.dlq (both energy-query and billing-command dead-letter there). */
async function deadLetterCount(): Promise<number> {
  const admin = new Kafka({ brokers: settings.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes('energy.events.dlq')) return 0;
    const offsets = await admin.fetchTopicOffsets('energy.events.dlq');
    return offsets.reduce((sum, { high }) => sum + Number(high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The write side's truth for a meter: its version, reading count and Wh. */
async function written(meterId: string): Promise<{ version: number; count: number; wh: number }> {
  const [row] = await queryOnce<{ version: number; count: number; wh: number }>(
    energyCommandDb(),
    `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
            (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
            (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh`,
    [meterId],
  );
  return row;
}

interface StallSeen {
  status: number;
  stalled: Record<string, unknown>[];
}

/** Polls `service`'s readiness probe `probe` until `deadline`; what it said each time it was red. */
async function stallsReportedUntil(deadline: number, service: string, probe: string): Promise<StallSeen[]> {
  const red: StallSeen[] = [];
  while (Date.now() < deadline) {
    const readiness = await readinessOf(service);
    const stalled = readiness.body.details[probe]?.['stalled'];
    if (readiness.status !== 200 && Array.isArray(stalled))
      red.push({ status: readiness.status, stalled: stalled as Record<string, unknown>[] });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return red;
}

/**
 * Holds `table` of `database` in ACCESS EXCLUSIVE mode for LOCK_MS while `during` runs, polling
 * `service`'s readiness probe `probe` all along; returns what readiness said while it was red.
 */
async function withTableLocked(
  database: string,
  table: string,
  service: string,
  probe: string,
  during: () => Promise<void>,
): Promise<StallSeen[]> {
  const locker = new Client({ connectionString: databaseUrl(settings.databaseUrl, database) });
  await locker.connect();
  const red: StallSeen[] = [];
  try {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
    const lockedAt = Date.now();
    await during();
    // The lock is the fault: it is held for its whole length whatever the test sees meanwhile.
    red.push(...(await stallsReportedUntil(lockedAt + LOCK_MS, service, probe)));
  } finally {
    await locker.query('COMMIT').catch(() => undefined);
    await locker.end();
  }
  return red;
}

/** Records readings for three days through the gateway; returns the meter. */
async function meterWithReadings(token: string, firstDay: string): Promise<string> {
  const meter = await registerMeter(token);
  dataOf(await recordReadings(token, meter.id, quarterHourReadings(firstDay, 48, 3)));
  return meter.id;
}

async function recordMore(token: string, meterId: string, days: string[]): Promise<void> {
  for (const [i, dayIso] of days.entries())
    dataOf(await recordReadings(token, meterId, quarterHourReadings(dayIso, 96, 5 + i)));
}

function assertStallReported(red: StallSeen[], projection: string): void {
  assert.ok(red.length > 0, 'readiness turned red while the table was locked');
  const [first] = red[0].stalled;
  assert.equal(red[0].status, 503);
  assert.equal(first['kind'], 'transient');
  assert.equal(first['reason'], 'lock_not_available');
  assert.equal(typeof first['partition'], 'number');
  assert.ok(!Number.isNaN(Date.parse(String(first['since']))), 'it says since when');
  assert.ok(Number(first['forMs']) > 3000, 'red only past the stall threshold');
  assert.ok(
    red.some((seen) => seen.stalled.some((s) => Number(s['retries']) > 6)),
    `${projection} retried past every old budget`,
  );
}

/**
 * Closes `database` to connections and ends its sessions (the read-model database going away
 * while the write side keeps taking readings), for `ms`, running `during` meanwhile and polling
 * `service`'s probe `probe`; returns what readiness said about the stall while it lasted.
 */
async function withDatabaseClosed(
  database: string,
  ms: number,
  service: string,
  probe: string,
  during: () => Promise<void>,
): Promise<StallSeen[]> {
  const admin = databaseUrl(settings.databaseUrl, 'postgres');
  const red: StallSeen[] = [];
  await queryOnce(admin, `ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
  try {
    await queryOnce(
      admin,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    const closedAt = Date.now();
    await during();
    red.push(...(await stallsReportedUntil(closedAt + ms, service, probe)));
  } finally {
    await queryOnce(admin, `ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
  }
  return red;
}

describe('projections wait out a locked read-model table (F9)', () => {
  it('energy-query: consumption_daily locked, readings recorded meanwhile; nothing lost, nothing dead-lettered', async () => {
    const token = await newUser();
    const meterId = await meterWithReadings(token, '2026-11-20T00:00:00Z');
    const readModel = databaseUrl(settings.databaseUrl, 'energy_read');
    const readSide = async () =>
      (
        await queryOnce<{ version: number; count: number; wh: number; daily: number }>(
          readModel,
          `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
                  (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
                  (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh,
                  (SELECT coalesce(sum(wh), 0)::int FROM consumption_daily WHERE meter_id = $1) AS daily`,
          [meterId],
        )
      )[0];
    await eventually(
      async () => ((await readSide()).count === 48 ? true : undefined),
      30_000,
      'the first readings',
    );
    const deadLettersBefore = await deadLetterCount();

    const red = await withTableLocked('energy_read', 'consumption_daily', 'energy-query', 'projector', () =>
      recordMore(token, meterId, ['2026-11-21T00:00:00Z', '2026-11-22T00:00:00Z']),
    );
    assertStallReported(red, 'energy-query');
    assert.equal(red[0].stalled[0]['topic'], 'energy.events');

    const expected = await written(meterId);
    assert.equal(expected.count, 48 + 2 * 96);
    await eventually(
      async () => ((await readSide()).version === expected.version ? true : undefined),
      60_000,
      'the read side to catch up',
    );
    assert.deepEqual(await readSide(), { ...expected, daily: expected.wh });
    assert.equal(await deadLetterCount(), deadLettersBefore, 'no dead letter');
    assert.ok(
      ((await metricValue(
        'energy-query',
        /^projection_transient_retries_total\{.*projection="energy-read-model"/,
      )) ?? 0) > 0,
    );
    await eventually(
      async () => ((await readinessOf('energy-query')).status === 200 ? true : undefined),
      30_000,
      'readiness green again',
    );
    assert.equal(
      await metricValue('energy-query', /^projection_stalled_partitions\{.*projection="energy-read-model"/),
      0,
    );
  });

  it('energy-query: its read database closed for 30 s while readings are recorded; nothing lost, nothing dead-lettered', async () => {
    const token = await newUser();
    const meterId = await meterWithReadings(token, '2026-11-27T00:00:00Z');
    const readModel = databaseUrl(settings.databaseUrl, 'energy_read');
    const readSide = async () =>
      (
        await queryOnce<{ version: number; count: number; wh: number }>(
          readModel,
          `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
                  (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
                  (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh`,
          [meterId],
        )
      )[0];
    await eventually(
      async () => ((await readSide()).count === 48 ? true : undefined),
      30_000,
      'the first readings',
    );
    const deadLettersBefore = await deadLetterCount();

    const red = await withDatabaseClosed('energy_read', 30_000, 'energy-query', 'projector', () =>
      recordMore(token, meterId, ['2026-11-28T00:00:00Z', '2026-11-29T00:00:00Z']),
    );
    assert.ok(red.length > 0, 'readiness said the projector was stalled');
    const reasons = new Set(
      red.flatMap((seen) => seen.stalled.map((s) => `${String(s['kind'])}:${String(s['reason'])}`)),
    );
    assert.ok(
      [...reasons].every((reason) => reason.startsWith('transient:')),
      `only transient reasons: ${[...reasons].join(', ')}`,
    );

    const expected = await written(meterId);
    assert.equal(expected.count, 48 + 2 * 96);
    await eventually(
      async () => ((await readSide()).version === expected.version ? true : undefined),
      60_000,
      'the read side to catch up',
    );
    assert.deepEqual(await readSide(), expected);
    assert.equal(await deadLetterCount(), deadLettersBefore, 'no dead letter');
    await eventually(
      async () => ((await readinessOf('energy-query')).status === 200 ? true : undefined),
      30_000,
      'readiness green again',
    );
  });

  it('billing-command: the usage ledger locked, readings recorded meanwhile; billed usage equals what was recorded', async () => {
    const token = await newUser();
    const meterId = await meterWithReadings(token, '2026-11-24T00:00:00Z');
    const ledger = databaseUrl(settings.databaseUrl, 'billing_command');
    const ledgerSide = async () =>
      (
        await queryOnce<{ version: number | null; wh: number }>(
          ledger,
          `SELECT (SELECT version FROM billing_meters WHERE meter_id = $1) AS version,
                  (SELECT coalesce(sum(wh + late_wh), 0)::int FROM usage_hourly WHERE meter_id = $1) AS wh`,
          [meterId],
        )
      )[0];
    const first = await written(meterId);
    await eventually(
      async () => ((await ledgerSide()).version === first.version ? true : undefined),
      30_000,
      'the first readings in the ledger',
    );
    const deadLettersBefore = await deadLetterCount();

    const red = await withTableLocked(
      'billing_command',
      'usage_hourly',
      'billing-command',
      'usage-ledger',
      () => recordMore(token, meterId, ['2026-11-25T00:00:00Z', '2026-11-26T00:00:00Z']),
    );
    assertStallReported(red, 'billing-command');

    const expected = await written(meterId);
    await eventually(
      async () => ((await ledgerSide()).version === expected.version ? true : undefined),
      60_000,
      'the ledger to catch up',
    );
    assert.deepEqual(await ledgerSide(), { version: expected.version, wh: expected.wh });
    assert.equal(await deadLetterCount(), deadLettersBefore, 'no dead letter');
    await eventually(
      async () => ((await readinessOf('billing-command')).status === 200 ? true : undefined),
      30_000,
      'readiness green again',
    );
  });
});
