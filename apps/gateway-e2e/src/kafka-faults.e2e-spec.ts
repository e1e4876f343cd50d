import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { crash, eventually, infra } from '@voltstream/testing';
import { newUser, quarterHourReadings, recordReadings, registerMeter, totalWh } from './energy-api';
import { assertReadSidesEqualWriteSide, projected, stackReady } from './energy-sides';
import { ensureRunning, readiness, sigkill, stackPid, startInstance } from './service-process';

type Readings = { at: string; kwh: number }[];

/** Day `i` (0-based) of 2026, as 96 quarter-hour readings. */
const dayBatch = (i: number, seed: number): Readings =>
  quarterHourReadings(new Date(Date.UTC(2026, 0, 1 + i)).toISOString(), 96, seed);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a batch until it is answered without errors, as a client retrying through a fault does. */
async function recordUntilAnswered(token: string, meterId: string, readings: Readings): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await recordReadings(token, meterId, readings).catch(() => undefined);
    if (response && response.errors.length === 0) return;
    if (attempt >= 120) throw new Error(`still failing: ${JSON.stringify(response?.errors).slice(0, 300)}`);
    await sleep(500);
  }
}

/**
 * A steady stream of readings: `days` day-batches for each meter, one call after another, and
 * the number of calls answered so far; `done` resolves when all were.
 */
function streamReadings(token: string, meterIds: readonly string[], days: number, firstDay = 0) {
  const progress = { answered: 0, sent: [] as Readings[][] };
  progress.sent = meterIds.map(() => []);
  const done = (async () => {
    for (let day = firstDay; day < firstDay + days; day += 1) {
      for (const [m, meterId] of meterIds.entries()) {
        const batch = dayBatch(day, m + 2);
        await recordUntilAnswered(token, meterId, batch);
        progress.sent[m].push(batch);
        progress.answered += 1;
      }
      await sleep(100);
    }
  })();
  return { progress, done };
}

async function meters(token: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await registerMeter(token, 'UTC')).id);
  return ids;
}

describe('Kafka broker and projector faults', () => {
  afterEach(async () => {
    await infra('up', 'kafka');
    await ensureRunning('energy-query');
    await stackReady();
  });

  it('F2: the broker killed with SIGKILL while readings are recorded and projected, then restarted: read model and usage ledger equal the write side', async () => {
    const token = await newUser();
    const meterIds = await meters(token, 3);
    const stream = streamReadings(token, meterIds, 12);
    // The projectors are consuming: some of the stream is in the read model already.
    await eventually(
      async () => ((await projected(meterIds[0])).count >= 2 * 96 ? true : undefined),
      60_000,
      'the projector applying the first batches',
    );
    const answeredAtCrash = stream.progress.answered;
    await crash('kafka');
    // Commands go on while the broker is dead (events wait in the outbox).
    await eventually(
      async () => (stream.progress.answered >= answeredAtCrash + 6 ? true : undefined),
      60_000,
      'readings accepted while the broker is dead',
    );
    await infra('up', 'kafka');
    await stream.done;
    assert.ok(answeredAtCrash < 36, 'the broker died in the middle of the stream');

    const final = await assertReadSidesEqualWriteSide(meterIds, { withLedger: true, timeoutMs: 120_000 });
    for (const [m, write] of final.entries()) {
      assert.equal(write.count, 12 * 96);
      assert.equal(write.wh, totalWh(stream.progress.sent[m].flat()));
    }
  });

  it('F3: a projector started while the broker is away is not ready and says why, retries with bounded backoff, then joins and catches up', async () => {
    const token = await newUser();
    const [meterId] = await meters(token, 1);
    await recordUntilAnswered(token, meterId, dayBatch(40, 3));
    await assertReadSidesEqualWriteSide([meterId]);

    await infra('down', 'kafka');
    // The stack's own projector is gone too: whatever is applied from now on, the new one applied.
    await sigkill(stackPid('energy-query'));
    const projector = await startInstance('energy-query');
    let exit: Awaited<ReturnType<typeof projector.stop>>;
    try {
      for (let day = 41; day < 44; day += 1) await recordUntilAnswered(token, meterId, dayBatch(day, 3));
      const attemptsSeen = () =>
        projector.logs().filter((line) => line.msg === 'projector cannot start yet').length;
      await eventually(async () => (attemptsSeen() >= 3 ? true : undefined), 90_000, 'three start attempts');
      const ready = await readiness(projector.baseUrl);
      assert.equal(ready?.status, 503);
      const probe = ready.details['projector'];
      assert.equal(probe['status'], 'down');
      const notStarted = probe['notStarted'] as { reason: string; attempts: number };
      assert.match(notStarted.reason, /ECONNREFUSED|Connection error/, 'it says why: no broker');
      assert.ok(notStarted.attempts >= 3);
      assert.ok(projector.isAlive(), 'it keeps trying, it does not exit');
      const attempts = projector
        .logs()
        .filter((line) => line.msg === 'projector cannot start yet')
        .map((line) => Number(line['attempt']));
      assert.deepEqual(
        attempts,
        attempts.map((_, i) => i + 1),
        'one attempt after another, each logged',
      );
      assert.equal((await projected(meterId)).count, 96, 'nothing applied while the broker is away');

      await infra('up', 'kafka');
      await eventually(
        async () => ((await readiness(projector.baseUrl))?.status === 200 ? true : undefined),
        90_000,
        'the projector ready once the broker is back',
      );
      const [write] = await assertReadSidesEqualWriteSide([meterId]);
      assert.equal(write.count, 4 * 96);
      assert.equal(write.wh, totalWh([40, 41, 42, 43].flatMap((day) => dayBatch(day, 3))));
      assert.equal(
        (await readiness(projector.baseUrl))?.details['projector']?.['notStarted'],
        undefined,
        'the start failure is gone from readiness',
      );
    } finally {
      exit = await projector.stop();
    }
    assert.deepEqual(exit, { code: 0, signal: null }, 'it stopped cleanly on SIGTERM');
  });
});
