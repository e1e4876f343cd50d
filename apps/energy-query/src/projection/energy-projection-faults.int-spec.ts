import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { EnergyEventTypes, EventEnvelope } from '@voltstream/contracts';
import { newEnvelope, ProjectionDeadLetters } from '@voltstream/platform';
import { ReadModelHarness } from '@voltstream/platform/testing';
import { eventually } from '@voltstream/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { READ_MODEL_MIGRATIONS } from '../runtime';
import { EnergyProjection } from './energy-projection';

const harness = new ReadModelHarness({
  name: 'energyfaults',
  migrations: READ_MODEL_MIGRATIONS,
  tables: {},
});

/** Retries fast, so that a test sees many of them in a few seconds. */
const FAST = { retry: { initialMs: 50, maxMs: 500 }, lockTimeoutMs: 200 };

/** One meter's events, built version by version. */
class Meter {
  readonly id = randomUUID();
  private version = 0;
  /** Wh of every reading sent, whether or not it has applied yet. */
  readonly sent: number[] = [];

  registered(): EventEnvelope {
    return this.event(EnergyEventTypes.MeterRegistered, 1, {
      meterId: this.id,
      ownerId: 'alice',
      serialNumber: `SN-${this.id.slice(0, 8)}`,
      timezone: 'Europe/London',
      intervalMinutes: 15,
      registeredAt: '2026-10-20T00:00:00.000Z',
    });
  }

  /** Four quarter-hour readings of a day of its own; `schemaVersion` 3 is one today's code does not know. */
  readings(schemaVersion = 1): EventEnvelope {
    const day = Date.parse('2026-10-21T00:00:00Z') + this.version * 86_400_000;
    const readings = [1, 2, 3, 4].map((i) => ({
      at: new Date(day + i * 900_000).toISOString(),
      wh: this.version * 10 + i,
    }));
    this.sent.push(...readings.map((r) => r.wh));
    return this.event(EnergyEventTypes.ReadingsRecorded, schemaVersion, { meterId: this.id, readings });
  }

  private event(type: string, schemaVersion: number, payload: unknown): EventEnvelope {
    this.version += 1;
    return newEnvelope({
      aggregateType: 'Meter',
      aggregateId: this.id,
      aggregateVersion: this.version,
      schemaVersion,
      type,
      payload,
    });
  }
}

/** The projection after "the fix": it reads ReadingsRecorded v3 (here: the v1 shape). */
function fixedProjection(): EnergyProjection {
  const projection = new EnergyProjection();
  const apply = projection.apply.bind(projection);
  projection.apply = (events, tx) =>
    apply(
      events.map((e) =>
        e.envelope.schemaVersion === 3 ? { ...e, envelope: { ...e.envelope, schemaVersion: 1 } } : e,
      ),
      tx,
    );
  return projection;
}

async function meterState(
  db: DataSource,
  meter: Meter,
): Promise<{ version: number; count: number; wh: number }> {
  const [row] = await db.query<{ version: number | null; count: number; wh: number }[]>(
    `SELECT (SELECT version FROM meters WHERE id = $1) AS version,
            (SELECT count(*)::int FROM readings WHERE meter_id = $1) AS count,
            (SELECT coalesce(sum(wh), 0)::int FROM readings WHERE meter_id = $1) AS wh`,
    [meter.id],
  );
  return { version: row.version ?? 0, count: row.count, wh: row.wh };
}

const expected = (meter: Meter, version: number, readings = meter.sent) => ({
  version,
  count: readings.length,
  wh: readings.reduce((sum, wh) => sum + wh, 0),
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => ((await check()) ? true : undefined), timeoutMs, what);
}

describe('energy projection under faults', () => {
  after(() => harness.close());

  it('dead-letters a poison event exactly once though recording it fails once, parks its key, and replays in order after the fix', async () => {
    const db = await harness.database();
    // The first write of a dead letter's record (with the position) fails once, as a
    // serialization failure would: the publish must not be repeated when it is tried again.
    await db.query('CREATE SEQUENCE dead_letter_faults');
    await db.query(`CREATE FUNCTION fail_first_dead_letter() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('dead_letter_faults') = 1 THEN
          RAISE EXCEPTION 'injected: recording the dead letter fails once' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER fail_first_dead_letter BEFORE INSERT ON projection_dead_letters
      FOR EACH ROW EXECUTE FUNCTION fail_first_dead_letter()`);

    const topic = harness.topic();
    // One partition: the keys that must keep flowing share it with the poisoned one.
    await topic.create(1);
    try {
      const [a, b, c, d] = [new Meter(), new Meter(), new Meter(), new Meter()];
      await topic.publish([a.registered(), b.registered(), d.registered()]);
      // v2 became real with VEE (replacesEstimateWh); v3 is the one nobody knows yet.
      const poison = a.readings(3);
      await topic.publish([poison, b.readings()]);
      await topic.publishRaw(d.id, '{"this is": not json');
      const dReadings = d.readings();
      const aLater = [a.readings(), a.readings()];
      await topic.publish([aLater[0], c.registered(), c.readings(), dReadings, aLater[1], b.readings()]);
      const dLater = d.sent.slice();

      await topic.runInto(db, 'a', new EnergyProjection(), FAST);
      await until('b and c to apply everything, and a and d to stop at their poison', async () => {
        const [sa, sb, sc, sd] = await Promise.all([a, b, c, d].map((m) => meterState(db, m)));
        const parked = await new ProjectionDeadLetters(db, new EnergyProjection()).parked();
        return (
          sb.version === 3 && sc.version === 2 && sa.version === 1 && sd.version === 1 && parked.length === 3
        );
      });
      assert.deepEqual(await meterState(db, b), expected(b, 3));
      assert.deepEqual(await meterState(db, c), expected(c, 2));
      assert.deepEqual(
        await meterState(db, a),
        expected(a, 1, []),
        "a's later events wait behind its dead letter",
      );

      const [{ last_value: injected }] = await db.query<{ last_value: string }[]>(
        'SELECT last_value::text FROM dead_letter_faults',
      );
      assert.ok(Number(injected) >= 3, `the injected failure happened (${injected} record attempts)`);
      const letters = await topic.deadLetters();
      assert.deepEqual(
        letters.map((l) => [l.key, l.headers['dlq-error-kind']]).sort(),
        [
          [a.id, 'permanent'],
          [d.id, 'permanent'],
        ].sort(),
        'one dead letter per poison message, none twice',
      );
      const forA = letters.find((l) => l.key === a.id)!;
      assert.equal(forA.headers['dlq-error-reason'], 'unknown_event');
      assert.equal(forA.headers['dlq-projection'], 'energy-read-model');
      assert.equal(forA.headers['dlq-source-topic'], topic.name);
      assert.equal(forA.headers['dlq-source-partition'], '0');
      assert.ok(forA.headers['dlq-source-offset'] && forA.headers['dlq-failed-at'] && forA.headers['dlq-id']);
      assert.equal((JSON.parse(forA.value) as EventEnvelope).id, poison.id);

      // Replay with the fix: the dead letter, then a's parked events, in offset order.
      const operator = new ProjectionDeadLetters(db, fixedProjection());
      const open = await operator.list('open');
      assert.deepEqual(
        open.map((l) => [l.key, l.parked]).sort(),
        [
          [a.id, 2],
          [d.id, 1],
        ].sort(),
      );
      const letterOfA = open.find((l) => l.key === a.id)!;
      assert.equal(await operator.replay(letterOfA, 'ops@voltstream'), 3);
      assert.deepEqual(await meterState(db, a), expected(a, 4));

      // Discard: the bad message is given up, with who and why; d's parked readings apply.
      const letterOfD = open.find((l) => l.key === d.id)!;
      assert.equal(
        await operator.discard(letterOfD, 'not JSON: producer bug, nothing to recover', 'ops@voltstream'),
        1,
      );
      assert.deepEqual(await meterState(db, d), expected(d, 2, dLater));
      const audit = await operator.list('discarded');
      assert.equal(audit.length, 1);
      assert.equal(audit[0].resolution, 'not JSON: producer bug, nothing to recover');
      assert.equal(audit[0].resolvedBy, 'ops@voltstream');
      assert.deepEqual(await operator.parked(), []);
      await assert.rejects(operator.replay(letterOfA, 'ops@voltstream'), /no open dead letter/);

      // Released keys flow again straight away.
      await topic.publish([a.readings(), d.readings()]);
      await until('a and d to move on', async () => {
        const [sa, sd] = await Promise.all([meterState(db, a), meterState(db, d)]);
        return sa.version === 5 && sd.version === 3;
      });
      assert.deepEqual(await meterState(db, a), expected(a, 5));
      assert.deepEqual(await meterState(db, d), expected(d, 3));
      assert.equal(await topic.deadLetterCount(), 2);
    } finally {
      await topic.delete();
    }
  });

  it('waits out a locked table, however many tries it takes, and dead-letters nothing', async () => {
    const db = await harness.database();
    const topic = harness.topic();
    await topic.create(1);
    const locker = new Client({ connectionString: dbUrl(db) });
    await locker.connect();
    try {
      const meter = new Meter();
      await topic.publish([meter.registered()]);
      const runner = await topic.runInto(db, 'a', new EnergyProjection(), FAST);
      await until('the meter to be registered', async () => (await meterState(db, meter)).version === 1);

      await locker.query('BEGIN');
      await locker.query('LOCK TABLE consumption_daily IN ACCESS EXCLUSIVE MODE');
      await topic.publish([meter.readings(), meter.readings()]);
      // More tries than the old budget (3 for the batch, 3 for the message) ever allowed.
      await until(
        'the partition to stall on the lock, retried past every old budget',
        async () => (runner.stalledPartitions()[0]?.retries ?? 0) > 8,
        30_000,
      );
      const [stall] = runner.stalledPartitions();
      assert.equal(stall.kind, 'transient');
      assert.equal(stall.reason, 'lock_not_available');
      assert.equal((await meterState(db, meter)).version, 1, 'nothing applied past the lock');
      assert.equal(await topic.deadLetterCount(), 0);
      await locker.query('COMMIT');

      await until(
        'the readings to apply once the lock is gone',
        async () => (await meterState(db, meter)).version === 3,
      );
      assert.deepEqual(await meterState(db, meter), expected(meter, 3));
      // The stall clears once the batch's position commits; the read model is visible a moment before.
      await until('the stall to clear', async () => runner.stalledPartitions().length === 0, 10_000);
      assert.equal(await topic.deadLetterCount(), 0);
    } finally {
      await locker.end();
      await topic.delete();
    }
  });
});

function dbUrl(db: DataSource): string {
  return (db.options as { url: string }).url;
}
