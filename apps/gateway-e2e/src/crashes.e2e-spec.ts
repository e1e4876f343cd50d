import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, eventually, service } from '@voltstream/testing';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  totalWh,
} from './energy-api';

/** One day of quarter-hour readings per batch, day `i` of November 2026. */
const dayBatch = (i: number) =>
  quarterHourReadings(`2026-11-${String(i + 1).padStart(2, '0')}T00:00:00Z`, 96, i + 3);
const NOVEMBER = { from: '2026-11-01T00:00:00Z', to: '2026-11-21T00:00:00Z', granularity: 'DAY' };

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

describe('crashes (SIGKILL) of the services', () => {
  it('a projector killed between batches applies every event exactly once after its restart', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'UTC');
    const batches = Array.from({ length: 10 }, (_, i) => dayBatch(i));
    const written = Promise.all(batches.slice(0, 5).map((b) => recordUntilAnswered(user, meter.id, b)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await service('kill', 'energy-query');
    await written;
    for (const batch of batches.slice(5)) await recordUntilAnswered(user, meter.id, batch);
    const last = await recordUntilAnswered(user, meter.id, batches[9]);
    assert.equal(last.duplicates, 96);
    await service('start', 'energy-query');

    const days = await novemberOnceCaughtUp(user, meter.id, last.consistencyToken);
    assert.equal(Math.round(days.totalKwh * 1000), totalWh(batches.flat()));
    assert.deepEqual(
      days.nodes.map((d) => d.readings),
      Array.from({ length: 10 }, () => 96),
    );
  });

  it('energy-command killed with calls in flight loses no accepted write and applies none twice', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'UTC');
    const batches = Array.from({ length: 20 }, (_, i) => dayBatch(i));
    const firstTry = Promise.all(
      batches.map((b) => recordReadings(user, meter.id, b).catch(() => undefined)),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    await service('kill', 'energy-command');
    const answers = await firstTry;
    await service('start', 'energy-command');

    // The client retries what failed; a batch that committed before the crash answers as duplicates.
    for (const [i, batch] of batches.entries()) {
      if (answers[i]?.errors.length !== 0) await recordUntilAnswered(user, meter.id, batch);
    }
    const final = await recordUntilAnswered(user, meter.id, batches[19]);
    assert.equal(final.duplicates, 96, 'everything is stored once');

    const days = await novemberOnceCaughtUp(user, meter.id, final.consistencyToken);
    assert.equal(Math.round(days.totalKwh * 1000), totalWh(batches.flat()));
    assert.deepEqual(
      days.nodes.map((d) => d.readings),
      Array.from({ length: 20 }, () => 96),
    );
  });
});
