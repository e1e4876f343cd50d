import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataOf, queryOnce } from '@voltstream/testing';
import { Client } from 'pg';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  totalWh,
} from './energy-api';
import { assertReadSidesEqualWriteSide, dbUrl, readModelRows } from './energy-sides';

const ROOT = join(__dirname, '../../../..');

/** `npm run rebuild -- <args>` as an operator runs it, against the test stack. */
function rebuild(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts/rebuild.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, VOLTSTREAM_PROFILE: process.env['VOLTSTREAM_PROFILE'] ?? 'test', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

const HISTORY_FROM = '2026-10-01T00:00:00Z';
const LIVE_FROM = '2026-11-01T00:00:00Z';
const RANGE = { from: '2026-09-30T00:00:00Z', to: '2026-11-30T00:00:00Z', granularity: 'DAY' as const };

describe('blue/green rebuild of the energy read model', () => {
  it('refuses a second rebuild of a read model while one runs, and changes nothing', async () => {
    const before = await rebuild(['energy', '--status']);
    // What a running rebuild holds for its whole build: its session lock.
    const holder = new Client({ connectionString: dbUrl('energy_read') });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('read-model-rebuild:energy'))`);
      const refused = await rebuild(['energy']);
      assert.equal(refused.code, 1);
      assert.match(refused.err, /REBUILD\.ALREADY_RUNNING: a rebuild of energy is running already/);
    } finally {
      await holder.end();
    }
    assert.equal((await rebuild(['energy', '--status'])).out, before.out);
  });

  it('builds a new version from the first event during ingestion, cuts over once caught up, and keeps consistency tokens', async () => {
    const owner = await newUser();
    const history = await registerMeter(owner, 'UTC');
    const live = await registerMeter(owner, 'Europe/London');
    // History for the rebuild to replay: many small events (one per batch).
    const historyReadings = quarterHourReadings(HISTORY_FROM, 4 * 120, 3);
    for (let i = 0; i < historyReadings.length; i += 4) {
      dataOf(await recordReadings(owner, history.id, historyReadings.slice(i, i + 4)));
    }
    const historyWh = totalWh(historyReadings);

    // Live ingestion through the gateway for as long as the rebuild runs, and a few batches after
    // its cut-over: each read with the write's token shows that write; the history meter always
    // shows all of its history (a half-built version would show less).
    let rebuilding = true;
    let afterCutOver = 0;
    let liveReadings: { at: string; kwh: number }[] = [];
    const ingestion = (async () => {
      for (let batch = 0; rebuilding || afterCutOver < 5; batch += 1) {
        if (!rebuilding) afterCutOver += 1;
        const readings = quarterHourReadings(LIVE_FROM, 4 * (batch + 1), 5).slice(4 * batch);
        const receipt = dataOf(await recordReadings(owner, live.id, readings)).recordReadings;
        liveReadings = [...liveReadings, ...readings];
        const read = dataOf(
          await readConsumption(owner, live.id, { ...RANGE, consistency: receipt.consistencyToken }),
        ).meter;
        assert.equal(
          Math.round(read.consumption.totalKwh * 1000),
          totalWh(liveReadings),
          `batch ${batch} read with its token`,
        );
        const past = dataOf(await readConsumption(owner, history.id, RANGE)).meter;
        assert.equal(
          Math.round(past.consumption.totalKwh * 1000),
          historyWh,
          `history during batch ${batch}`,
        );
        // Read from the tables on every request (the page above may come from the cache).
        assert.deepEqual(
          past.latestReading,
          historyReadings.at(-1),
          `latest history reading during batch ${batch}`,
        );
      }
    })();
    // Its failure is reported where it is awaited, after the rebuild.
    ingestion.catch(() => undefined);

    // The cut-over is tried from the first look on, long before the new version has caught up:
    // holding the live projector until the new version covers it is what keeps reads whole.
    const built = await rebuild(['energy'], {
      REBUILD_CUT_OVER_LAG: '1000000000',
      REBUILD_SAMPLE_MS: '100',
    }).finally(() => (rebuilding = false));
    await ingestion;
    assert.equal(built.code, 0, built.err);
    assert.match(built.out, /energy v\d+ {2}\d+\/\d+ \(\d+\.\d%\) {2}\d+ ev\/s {2}lag \d+ {2}ETA \S+/);
    // Pages cached from the old tables (the history meter's, read above) are dropped at the cut-over.
    assert.match(built.out, /dropped the cached consumption pages of [1-9]\d* meters/);
    const [, version, previous, retiredSchema] =
      /v(\d+) is live; v(\d+) is kept in schema (energy_v\d+)/.exec(built.out) ?? [];
    assert.ok(version, built.out);

    // The new version holds what the write side holds, every reading once; the history meter's
    // rows are those of the version it replaced, row for row.
    await assertReadSidesEqualWriteSide([history.id, live.id]);
    assert.deepEqual(await readModelRows(history.id), await readModelRows(history.id, retiredSchema));
    const status = await rebuild(['energy', '--status']);
    assert.match(status.out, new RegExp(`v${previous} +retired +${retiredSchema}`));
    assert.match(status.out, new RegExp(`v${version} +live +public`));

    // Bad input changes nothing; the second command removes the old version.
    const bad = await rebuild(['energy', '--drop-old', '--status']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /REBUILD\.USAGE: --drop-old and --status do not go together/);
    assert.equal(await schemaExists(retiredSchema), true);
    const dropped = await rebuild(['energy', '--drop-old']);
    assert.equal(dropped.code, 0, dropped.err);
    assert.match(dropped.out, new RegExp(`dropped (v\\d+, )*v${previous}\\b`));
    assert.equal(await schemaExists(retiredSchema), false);
  });
});

async function schemaExists(schema: string): Promise<boolean> {
  const rows = await queryOnce<{ found: boolean }>(
    dbUrl('energy_read'),
    'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found',
    [schema],
  );
  return rows[0].found;
}
