import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { eventually, service } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  settings,
} from './energy-api';
import {
  assertReadSidesEqualWriteSide,
  backendState,
  LockWaiter,
  lockTable,
  lockWaiters,
  projected,
  stackReady,
  whenLockWaiters,
} from './energy-sides';
import {
  ensureRunning,
  processAlive,
  readiness,
  ServiceInstance,
  stackLogOffset,
  stackLogSince,
  stackPid,
  startInstance,
} from './service-process';

type Readings = { at: string; kwh: number }[];

const GROUP = 'energy-query.read-model';
/** ProjectionRunner's consumer session timeout (libs/platform/src/kafka/projection-runner.ts). */
const SESSION_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DAY_MS = 86_400_000;

/** Day `i` (0-based) from July 2026, as 96 quarter-hour readings. */
const dayBatch = (i: number, seed: number): Readings =>
  quarterHourReadings(new Date(Date.UTC(2026, 6, 1 + i)).toISOString(), 96, seed);

async function recordUntilAnswered(token: string, meterId: string, readings: Readings): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await recordReadings(token, meterId, readings).catch(() => undefined);
    if (response && response.errors.length === 0) return;
    if (attempt >= 120) throw new Error(`still failing: ${JSON.stringify(response?.errors).slice(0, 300)}`);
    await sleep(500);
  }
}

/** The energy projection's consumer group as the broker sees it. */
async function group(): Promise<{ state: string; members: { memberId: string; partitions: number[] }[] }> {
  const kafka = new Kafka({ brokers: settings.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const {
      groups: [described],
    } = await admin.describeGroups([GROUP]);
    const { AssignerProtocol } = await import('kafkajs');
    return {
      state: described.state,
      members: described.members.map((member) => {
        const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
        return {
          memberId: member.memberId,
          partitions: Object.values(assignment?.assignment ?? {}).flat(),
        };
      }),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the group is stable with `count` members, every partition assigned. */
async function stableGroup(count: number) {
  return eventually(
    async () => {
      const seen = await group();
      const assigned = seen.members.flatMap((m) => m.partitions).length;
      return seen.state === 'Stable' && seen.members.length === count && assigned === 6 ? seen : undefined;
    },
    90_000,
    `the consumer group stable with ${count} member(s)`,
  );
}

/** Ends the stack's energy-query with SIGTERM (it leaves the group cleanly) and waits for the exit. */
async function stopStackProjector(): Promise<void> {
  const pid = stackPid('energy-query');
  process.kill(pid, 'SIGTERM');
  await eventually(async () => (processAlive(pid) ? undefined : true), 60_000, 'energy-query to exit');
}

/** Rebalance notices the instance logged, at or after `since` (an ISO instant) when given. */
const rebalanceLines = (instance: ServiceInstance, since = '') =>
  instance
    .logs()
    .filter((line) => line.time >= since && /rebalanc|re-join|not aware of this member/i.test(line.msg));

describe('projector instances: slow batches, stops and hand-overs', () => {
  let extra: ServiceInstance | undefined;
  afterEach(async () => {
    await ensureRunning('energy-query');
    if (extra) {
      await extra.stop();
      extra = undefined;
    }
    await stackReady();
  });

  it('F6: a batch that waits on a lock for longer than the session timeout keeps its membership (heartbeats), is applied once, and causes no rebalance', async () => {
    // This instance waits for locks as long as it takes (no lock_timeout), so one batch really
    // lasts longer than the session timeout; it is the group's only member.
    extra = await startInstance(
      'energy-query',
      { PROJECTION_LOCK_TIMEOUT_MS: '0', DATABASE_STATEMENT_TIMEOUT_MS: '120000' },
      { waitReady: true },
    );
    await stopStackProjector();
    const before = await stableGroup(1);
    // The stack's instance leaving was a rebalance, which the extra one may log (a heartbeat
    // answered REBALANCE_IN_PROGRESS just before the group stabilised, in a full run on 2026-12-04): only
    // notices after the group stood stable with one member count against the slow batch.
    const stableSince = new Date().toISOString();

    const token = await newUser();
    const meterId = (await registerMeter(token, 'UTC')).id;
    await recordUntilAnswered(token, meterId, dayBatch(0, 5));
    await assertReadSidesEqualWriteSide([meterId]);

    const lock = await lockTable('energy_read', 'consumption_daily', 'SHARE');
    let waitedFor = 0;
    try {
      await recordUntilAnswered(token, meterId, dayBatch(1, 5));
      const [waiter] = await whenLockWaiters({
        database: 'energy_read',
        applicationName: 'energy-query:primary',
        queryPattern: '%consumption_daily%',
      });
      const since = Date.now();
      await sleep(1.5 * SESSION_TIMEOUT_MS);
      waitedFor = Date.now() - since;
      const [still] = await lockWaiters('energy_read', 'energy-query:primary', '%consumption_daily%');
      assert.deepEqual(still, waiter, 'the same batch statement waited all along');
      assert.equal((await projected(meterId)).count, 96, 'the slow batch has not committed yet');
    } finally {
      await lock.release();
    }
    assert.ok(waitedFor > SESSION_TIMEOUT_MS);
    await recordUntilAnswered(token, meterId, dayBatch(2, 5));
    const [write] = await assertReadSidesEqualWriteSide([meterId], { withLedger: true });
    assert.equal(write.count, 3 * 96);

    const after = await stableGroup(1);
    assert.deepEqual(after.members, before.members, 'the same member kept its partitions: no rebalance');
    assert.deepEqual(rebalanceLines(extra, stableSince), []);
    assert.deepEqual(
      extra.logs().filter((line) => line.msg === 'projection partition stalled'),
      [],
      'the batch waited, it did not fail',
    );
    await service('start', 'energy-query');
  });

  it('F21: a projector frozen (SIGSTOP) mid-batch past its session timeout is replaced at once; after SIGCONT its stale transaction is refused and nothing is lost or doubled', async () => {
    const frozen = await startInstance('energy-query', {}, { waitReady: true });
    extra = frozen;
    await stopStackProjector();
    const [alone] = (await stableGroup(1)).members;

    const token = await newUser();
    const meterId = (await registerMeter(token, 'UTC')).id;
    await recordUntilAnswered(token, meterId, dayBatch(10, 7));
    await assertReadSidesEqualWriteSide([meterId]);

    // Freeze it in the middle of a batch transaction: seen waiting on the rollup table, frozen
    // in that tick, and the table released at once, so the statement completes and the
    // transaction sits open with the partition's position row locked and nobody to end it.
    const lock = await lockTable('energy_read', 'consumption_daily', 'SHARE');
    let waiter: LockWaiter;
    try {
      await recordUntilAnswered(token, meterId, dayBatch(11, 7));
      [waiter] = await whenLockWaiters(
        {
          database: 'energy_read',
          applicationName: 'energy-query:primary',
          queryPattern: '%consumption_daily%',
          freshMs: 300,
        },
        () => frozen.signal('SIGSTOP'),
      );
    } finally {
      await lock.release();
    }
    try {
      await eventually(
        async () => ((await backendState(waiter.pid)) === 'idle in transaction' ? true : undefined),
        5000,
        'the frozen batch transaction open and idle',
      );
      // Another instance takes the partitions once the frozen one's session has expired, and
      // applies the frozen batch and the next one while the frozen process still exists.
      await service('start', 'energy-query');
      const [replacement] = (await stableGroup(1)).members;
      assert.notEqual(replacement.memberId, alone.memberId);
      await recordUntilAnswered(token, meterId, dayBatch(12, 7));
      await assertReadSidesEqualWriteSide([meterId]);
      assert.equal(await backendState(waiter.pid), undefined, 'Postgres ended the frozen transaction');
      assert.ok(frozen.isAlive(), 'the frozen instance is still there, stopped');
    } finally {
      frozen.signal('SIGCONT');
    }

    // Thawed, its transaction is gone and its membership too: it must write nothing stale.
    for (let day = 13; day < 16; day += 1) await recordUntilAnswered(token, meterId, dayBatch(day, 7));
    const [write] = await assertReadSidesEqualWriteSide([meterId], { withLedger: true });
    assert.equal(write.count, 6 * 96);
    const rejoined = await stableGroup(2);
    assert.ok(frozen.isAlive(), 'the thawed instance did not exit');
    assert.ok(
      rejoined.members.every((m) => m.memberId !== alone.memberId),
      'it rejoined as a new member (its old generation is fenced off by the broker)',
    );
    const refused = frozen
      .logs()
      .filter((line) => line.msg === 'projection partition stalled' && line['partition'] !== undefined);
    assert.ok(refused.length > 0, 'its stale batch failed when it woke');
    await frozen.stop();
    extra = undefined;
  });

  it('F19: one of two projectors stopped with SIGTERM under load drains, commits and exits 0; the other takes over with nothing redelivered, lost or doubled', async () => {
    const leaving = await startInstance('energy-query', {}, { waitReady: true });
    extra = leaving;
    await stableGroup(2);
    const logFrom = stackLogOffset('energy-query');

    const token = await newUser();
    const meterIds: string[] = [];
    for (let i = 0; i < 6; i += 1) meterIds.push((await registerMeter(token, 'UTC')).id);
    let readErrors = 0;
    let reads = 0;
    let writing = true;
    const readLoad = (async () => {
      while (writing) {
        const response = await readConsumption(token, meterIds[reads % meterIds.length], {
          from: '2026-08-01T00:00:00Z',
          to: '2026-09-01T00:00:00Z',
          granularity: 'DAY',
        }).catch(() => undefined);
        reads += 1;
        if (!response || response.errors.length > 0) readErrors += 1;
        await sleep(50);
      }
    })();
    let answered = 0;
    const writeLoad = (async () => {
      for (let day = 0; day < 8; day += 1) {
        for (const [m, meterId] of meterIds.entries()) {
          await recordUntilAnswered(token, meterId, dayBatch(31 + day, m + 2));
          answered += 1;
        }
      }
    })();
    try {
      await eventually(async () => (answered >= 12 ? true : undefined), 60_000, 'the load under way');
      leaving.signal('SIGTERM');
      const exit = await leaving.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, 'a clean exit');
      assert.ok(answered < 48, 'it left in the middle of the load');
      await writeLoad;
    } finally {
      writing = false;
      await readLoad;
    }
    extra = undefined;
    const logs = leaving.logs();
    assert.ok(logs.some((line) => line.msg === 'shutting down' && line['signal'] === 'SIGTERM'));
    const stopped = logs.filter((line) => line.msg === 'projection consumer stopped');
    assert.deepEqual(
      stopped.map((line) => line['drained']),
      [true],
      'it drained its batch and left the group',
    );

    const final = await assertReadSidesEqualWriteSide(meterIds, { withLedger: true });
    for (const write of final) assert.equal(write.count, 8 * 96);
    await stableGroup(1);
    const redelivered = stackLogSince('energy-query', logFrom).filter(
      (line) => line.msg === 'already-applied messages skipped',
    );
    assert.deepEqual(
      redelivered,
      [],
      'the survivor got nothing the leaver had applied: its offsets were committed',
    );
    assert.equal(readErrors, 0, `${reads} reads, none failed`);
  });
  it('F5: projector instances added and removed (SIGTERM and SIGKILL) while readings are ingested: nothing lost, nothing doubled', async () => {
    const token = await newUser();
    const meterIds: string[] = [];
    for (let i = 0; i < 4; i += 1) meterIds.push((await registerMeter(token, 'UTC')).id);
    const instances: ServiceInstance[] = [];
    const churn: string[] = [];
    let churning = true;
    let days = 0;
    const newestDay = Math.floor(Date.now() / 3_600_000) * 3_600_000 - DAY_MS;
    // The writer keeps recording new days until the churn is over, so every change of the
    // group happens while events are being produced and consumed.
    const writeLoad = (async () => {
      for (; churning || days < 4; days += 1) {
        // Whole days, newest first, the newest ending at the last whole hour, paced: the history
        // never has a gap past the grace period, so the write side estimates nothing (VEE fills
        // the 48 h after a meter's last reading once it holds two weeks of same-slot history,
        // which a long churn written oldest first reaches).
        const day = new Date(newestDay - days * DAY_MS).toISOString();
        for (const [m, meterId] of meterIds.entries())
          await recordUntilAnswered(token, meterId, quarterHourReadings(day, 96, m + 3));
        await sleep(300);
      }
    })();
    try {
      for (const step of ['add', 'add', 'term', 'add', 'kill', 'term'] as const) {
        if (step === 'add') {
          const instance = await startInstance('energy-query', {}, { waitReady: true });
          instances.push(instance);
        } else {
          const leaving = instances.shift()!;
          // The group split the partitions: the instance that goes owns some, which must move.
          const owned = await eventually(
            async () => {
              const partitions = (await readiness(leaving.baseUrl))?.details['projector']?.['partitions'];
              return Array.isArray(partitions) && partitions.length > 0 ? partitions : undefined;
            },
            30_000,
            'the leaving instance to own partitions',
          );
          churn.push(`owning ${owned.join('+')}`);
          leaving.signal(step === 'term' ? 'SIGTERM' : 'SIGKILL');
          await leaving.exited;
        }
        churn.push(`${step} at day ${days}`);
        await sleep(2_000);
      }
    } finally {
      churning = false;
      await writeLoad;
      for (const instance of instances) await instance.stop();
    }
    assert.ok(days >= 4, `${days} days written`);
    const final = await assertReadSidesEqualWriteSide(meterIds, { withLedger: true });
    for (const write of final) assert.equal(write.count, days * 96, `churn: ${churn.join(', ')}`);
  });
});
