import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { dataOf, eventually, service } from '@voltstream/testing';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  totalWh,
} from './energy-api';
import {
  assertReadSidesEqualWriteSide,
  backendsGone,
  lockTable,
  openTransactions,
  projected,
  whenLockWaiters,
  written,
} from './energy-sides';
import { ensureRunning, killNow, sigkill, stackPid } from './service-process';

/** One day of quarter-hour readings per batch, day `i` of November 2026. */
const dayBatch = (i: number) =>
  quarterHourReadings(`2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`, 96, i + 3);
const NOVEMBER = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', granularity: 'DAY' };

/**
 * Reads November once the read model has caught up: after a restart the projector first waits
 * for Kafka to move the dead instance's partitions (its session timeout), so a client retries
 * on CONSISTENCY_TIMEOUT, as the error tells it to.
 */
async function novemberOnceCaughtUp(user: string, meterId: string, consistency: string) {
  return eventually(
    async () => {
      const response = await readConsumption(user, meterId, { ...NOVEMBER, consistency });
      if (response.errors[0]?.extensions?.code === 'CONSISTENCY_TIMEOUT') return undefined;
      return dataOf(response).meter.consumption;
    },
    60_000,
    'the read model to catch up after the crash',
  );
}

/** Sends a batch until it is answered: what a client does when a call fails in a crash. */
async function recordUntilAnswered(user: string, meterId: string, readings: { at: string; kwh: number }[]) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await recordReadings(user, meterId, readings).catch(() => undefined);
    if (response && response.errors.length === 0) return response.data!.recordReadings;
    if (attempt >= 60) throw new Error(`still failing: ${JSON.stringify(response?.errors)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * The crash lands while work is provably in flight: a table the work writes is held by a
 * transaction of the test (SHARE mode: reads go on, writes wait), the service's own transaction
 * is seen waiting for it in pg_stat_activity, and the process is SIGKILLed at that moment.
 */
describe('crashes (SIGKILL) of the services with work in flight', () => {
  afterEach(async () => {
    await ensureRunning('energy-query');
    await ensureRunning('energy-command');
  });

  it('F4: energy-query killed while a batch transaction waits on consumption_daily applies every event exactly once after its restart', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'UTC');
    const batches = Array.from({ length: 10 }, (_, i) => dayBatch(i));
    for (const batch of batches.slice(0, 3)) await recordUntilAnswered(user, meter.id, batch);
    await assertReadSidesEqualWriteSide([meter.id]);
    const before = await projected(meter.id);

    const lock = await lockTable('energy_read', 'consumption_daily', 'SHARE');
    const pid = stackPid('energy-query');
    let inFlight: number[];
    try {
      await recordUntilAnswered(user, meter.id, batches[3]);
      // The projector's batch has taken its position row and written the raw readings, and
      // waits on the daily rollup. Its lock_timeout is 1 s (test stack), so only a wait that
      // began less than 500 ms ago counts, and the SIGKILL is sent in the tick that saw it.
      const waiting = await whenLockWaiters(
        {
          database: 'energy_read',
          applicationName: 'energy-query:primary',
          queryPattern: '%consumption_daily%',
          freshMs: 500,
        },
        killNow(pid),
      );
      await sigkill(pid);
      inFlight = waiting.map((w) => w.pid);
    } finally {
      await lock.release();
    }
    await backendsGone(inFlight);
    assert.deepEqual(await projected(meter.id), before, 'the batch in flight never committed');

    for (const batch of batches.slice(4)) await recordUntilAnswered(user, meter.id, batch);
    const last = await recordUntilAnswered(user, meter.id, batches[9]);
    assert.equal(last.duplicates, 96);
    await service('start', 'energy-query');

    const [write] = await assertReadSidesEqualWriteSide([meter.id]);
    assert.deepEqual(write, { version: 11, count: 960, wh: totalWh(batches.flat()) });
    const days = await novemberOnceCaughtUp(user, meter.id, last.consistencyToken);
    assert.equal(Math.round(days.totalKwh * 1000), totalWh(batches.flat()));
    assert.deepEqual(
      days.nodes.map((d) => d.readings),
      Array.from({ length: 10 }, () => 96),
    );
  });

  it('energy-command killed while its transactions wait on the outbox loses no accepted write and applies none twice', async () => {
    const user = await newUser();
    const meters = await Promise.all(Array.from({ length: 4 }, () => registerMeter(user, 'UTC')));
    const batches = Array.from({ length: 5 }, (_, i) => dayBatch(i));
    for (const meter of meters) await recordUntilAnswered(user, meter.id, batches[0]);

    // Interleaved, so that each meter's first call gets one of the 10 pooled connections.
    const calls = batches.slice(1).flatMap((batch) => meters.map((meter) => ({ meter, batch })));
    const lock = await lockTable('energy_command', 'outbox', 'SHARE');
    const pid = stackPid('energy-command');
    let answers: Awaited<ReturnType<typeof recordReadings> | undefined>[];
    let inFlight: number[];
    try {
      const firstTry = Promise.all(
        calls.map(({ meter, batch }) => recordReadings(user, meter.id, batch).catch(() => undefined)),
      );
      // One call per meter holds its meter row and waits to append its event; the others wait
      // for the meter row or for a pooled connection.
      const waiting = await whenLockWaiters(
        {
          database: 'energy_command',
          applicationName: 'energy-command',
          queryPattern: 'INSERT INTO outbox%',
          count: meters.length,
        },
        killNow(pid),
      );
      await sigkill(pid);
      inFlight = waiting.map((w) => w.pid);
      assert.equal((await openTransactions(inFlight)).length, meters.length, 'their transactions were open');
      answers = await firstTry;
    } finally {
      await lock.release();
    }
    await backendsGone(inFlight);
    assert.ok(
      answers.every((answer) => answer === undefined || answer.errors.length > 0),
      'no call in flight was answered as accepted',
    );
    for (const meter of meters) assert.equal((await written(meter.id)).count, 96, 'none of them committed');
    await service('start', 'energy-command');

    // The client retries what failed; a batch that had committed would answer as duplicates.
    for (const { meter, batch } of calls) {
      const receipt = await recordUntilAnswered(user, meter.id, batch);
      assert.equal(receipt.accepted, 96);
    }
    const final = await assertReadSidesEqualWriteSide(
      meters.map((m) => m.id),
      { withLedger: true },
    );
    for (const write of final)
      assert.deepEqual(write, { version: 6, count: 480, wh: totalWh(batches.flat()) });
  });
});
