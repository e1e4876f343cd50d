import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EnergyEventTypes, EventEnvelope } from '@voltstream/contracts';
import { newEnvelope, ProjectionDeadLetters } from '@voltstream/platform';
import { ReadModelHarness } from '@voltstream/platform/testing';
import { eventually } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { READ_MODEL_MIGRATIONS } from '../runtime';
import { EnergyProjection } from './energy-projection';

const harness = new ReadModelHarness({
  name: 'energy',
  migrations: READ_MODEL_MIGRATIONS,
  tables: {
    // Without the spike baseline the row caches: a cache, taken per batch, and batches differ.
    meters:
      'SELECT id, owner_id, serial_number, timezone, interval_minutes, created_at, version, latest_at, latest_wh FROM meters ORDER BY id',
    readings: 'SELECT meter_id, at, wh, estimated, flags FROM readings ORDER BY meter_id, at',
    hourly: 'SELECT * FROM consumption_hourly ORDER BY meter_id, bucket_start',
    daily:
      'SELECT meter_id, local_date::text, bucket_start, bucket_end, wh, readings FROM consumption_daily ORDER BY meter_id, local_date',
  },
});

/** A meter's history: registration, then readings batches arriving late and out of time order. */
function meterHistory(meterId = randomUUID()): EventEnvelope[] {
  const base = { aggregateType: 'Meter', aggregateId: meterId, schemaVersion: 1 };
  const readings = (fromIso: string, count: number, wh: number) =>
    Array.from({ length: count }, (_, i) => ({
      at: new Date(Date.parse(fromIso) + (i + 1) * 900_000).toISOString(),
      wh: wh + i,
    }));
  return [
    newEnvelope({
      ...base,
      type: EnergyEventTypes.MeterRegistered,
      aggregateVersion: 1,
      payload: {
        meterId,
        ownerId: 'alice',
        serialNumber: `SN-${meterId.slice(0, 8)}`,
        timezone: 'Europe/London',
        intervalMinutes: 15,
        registeredAt: '2026-10-20T00:00:00.000Z',
      },
    }),
    newEnvelope({
      ...base,
      type: EnergyEventTypes.ReadingsRecorded,
      aggregateVersion: 2,
      payload: { meterId, readings: readings('2026-10-25T00:00:00Z', 200, 100) },
    }),
    // Late: readings from the day before, for buckets the first batch did not touch.
    newEnvelope({
      ...base,
      type: EnergyEventTypes.ReadingsRecorded,
      aggregateVersion: 3,
      payload: { meterId, readings: readings('2026-10-24T20:00:00Z', 16, 7) },
    }),
    newEnvelope({
      ...base,
      type: EnergyEventTypes.ReadingsRecorded,
      aggregateVersion: 4,
      payload: { meterId, readings: readings('2026-10-27T03:00:00Z', 3, 1) },
    }),
  ];
}

const asConsumed = (envelopes: EventEnvelope[]) =>
  envelopes.map((envelope, i) => ({ envelope, topic: 'energy.events', partition: 0, offset: String(i) }));

describe('energy read-model projection', () => {
  after(() => harness.close());

  it('keeps hourly, daily and raw totals equal to the watt-hour, late readings included', async () => {
    const db = await harness.database();
    const history = meterHistory();
    await db.transaction((tx) => new EnergyProjection().apply(asConsumed(history), tx));
    const [totals] = await db.query<{ raw: string; hourly: string; daily: string }[]>(`SELECT
      (SELECT sum(wh) FROM readings)::text AS raw,
      (SELECT sum(wh) FROM consumption_hourly)::text AS hourly,
      (SELECT sum(wh) FROM consumption_daily)::text AS daily`);
    const expected = history
      .slice(1)
      .flatMap((e) => (e.payload as { readings: { wh: number }[] }).readings)
      .reduce((s, r) => s + r.wh, 0);
    assert.deepEqual(totals, { raw: String(expected), hourly: String(expected), daily: String(expected) });
    const [meter] = await db.query<{ version: number; latest_at: Date }[]>(
      'SELECT version, latest_at FROM meters',
    );
    assert.equal(meter.version, 4);
    const partitions = await db.query<{ name: string; rows: string }[]>(
      `SELECT c.relname AS name, (SELECT count(*) FROM readings r WHERE r.tableoid = c.oid)::text AS rows
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'readings'::regclass`,
    );
    assert.deepEqual(
      partitions,
      [{ name: 'readings_y2026m10', rows: String(200 + 16 + 3) }],
      'raw readings live in monthly partitions',
    );
    assert.equal(meter.latest_at.toISOString(), '2026-10-27T03:45:00.000Z');
  });

  it('leaves the same read model when the same events are applied twice, together or one by one', async () => {
    const db = await harness.database();
    const history = [...meterHistory(), ...meterHistory()];
    const projection = new EnergyProjection();
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    const once = await harness.snapshot(db);
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    for (const event of asConsumed(history)) await db.transaction((tx) => projection.apply([event], tx));
    assert.deepEqual(await harness.snapshot(db), once);
  });

  describe('through Kafka', () => {
    const topic = harness.topic();
    const histories = [meterHistory(), meterHistory(), meterHistory()];
    let projected: DataSource;

    const lastVersions = async (db: DataSource) =>
      (await db.query<{ n: string }[]>('SELECT count(*)::text AS n FROM meters WHERE version = 4'))[0].n;

    before(async () => {
      await topic.create();
      await topic.publish(histories.map((h) => h.slice(0, 2)).flat());
      // A poison message in the middle of the first meter's partition: not even JSON.
      await topic.publishRaw(histories[0][0].aggregateId, '{"this is": not json');
      await topic.publish(histories.map((h) => h.slice(2)).flat());
    });

    after(() => topic.delete());

    /** Runs the projection until the poison's meter stops behind it, then discards the poison. */
    async function projectAndDiscard(db: DataSource, group: string): Promise<void> {
      await topic.runInto(db, group, new EnergyProjection());
      const operator = new ProjectionDeadLetters(db, new EnergyProjection());
      await eventually(
        async () =>
          (await lastVersions(db)) === '2' && (await operator.parked()).length === 2 ? true : undefined,
        60_000,
        "two meters at version 4, the poisoned meter's later events parked",
      );
      const [letter] = await operator.list('open');
      assert.equal(letter.key, histories[0][0].aggregateId);
      assert.equal(await operator.discard(letter, 'not JSON', 'test'), 2);
    }

    it('dead-letters a poison message, holds its key back until it is discarded, and projects the rest', async () => {
      projected = await harness.database();
      await projectAndDiscard(projected, 'a');
      assert.equal(await lastVersions(projected), '3');
      const parked = await topic.deadLetters();
      assert.equal(parked.length, 1);
      assert.equal(parked[0].value, '{"this is": not json');
      assert.match(parked[0].error, /JSON/);
    });

    it('rebuilds an identical read model when replayed from offset 0 into a fresh database', async () => {
      const replica = await harness.database();
      await projectAndDiscard(replica, 'replay');
      assert.deepEqual(
        { ...(await harness.snapshot(replica, true)), ...(await deadLetterRows(replica)) },
        { ...(await harness.snapshot(projected, true)), ...(await deadLetterRows(projected)) },
      );
    });
  });
});

/** What a database records of its dead letters, without the times and who resolved them. */
async function deadLetterRows(db: DataSource): Promise<Record<string, unknown[]>> {
  return {
    deadLetters: await db.query(
      `SELECT partition, "offset"::text, message_key, error_reason, status FROM projection_dead_letters ORDER BY partition, "offset"`,
    ),
    parked: await db.query('SELECT count(*)::int AS n FROM projection_parked'),
  };
}
