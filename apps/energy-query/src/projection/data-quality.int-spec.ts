import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { EnergyEventTypes, EventEnvelope } from '@voltstream/contracts';
import { QualityFlags } from '@voltstream/energy';
import { newEnvelope } from '@voltstream/platform';
import { ReadModelHarness } from '@voltstream/platform/testing';
import { DataSource } from 'typeorm';
import { readConsumption } from '../consumption/consumption-reads';
import { readDataQuality } from '../quality/data-quality-reads';
import { READ_MODEL_MIGRATIONS } from '../runtime';
import { EnergyProjection } from './energy-projection';

const harness = new ReadModelHarness({
  name: 'energyvee',
  migrations: READ_MODEL_MIGRATIONS,
  tables: {
    readings: 'SELECT meter_id, at, wh, estimated, flags FROM readings ORDER BY meter_id, at',
    hourly: 'SELECT * FROM consumption_hourly ORDER BY meter_id, bucket_start',
    daily: 'SELECT * FROM consumption_daily ORDER BY meter_id, local_date',
    meters: 'SELECT * FROM meters ORDER BY id',
  },
});

const MIN = 60_000;

/** One 15-minute meter's events, version by version, as energy-command writes them. */
class MeterEvents {
  readonly id = randomUUID();
  readonly timezone = 'UTC';
  readonly intervalMinutes = 15;
  readonly createdAt = new Date('2026-10-01T00:00:00Z');
  private version = 0;

  registered(): EventEnvelope {
    return this.next(EnergyEventTypes.MeterRegistered, 1, {
      meterId: this.id,
      ownerId: 'alice',
      serialNumber: `SN-${this.id.slice(0, 8)}`,
      timezone: this.timezone,
      intervalMinutes: this.intervalMinutes,
      registeredAt: this.createdAt.toISOString(),
    });
  }

  readings(list: { at: Date; wh: number; replacesEstimateWh?: number }[]): EventEnvelope {
    return this.next(EnergyEventTypes.ReadingsRecorded, 2, {
      meterId: this.id,
      readings: list.map((r) => ({
        at: r.at.toISOString(),
        wh: r.wh,
        replacesEstimateWh: r.replacesEstimateWh ?? null,
      })),
    });
  }

  estimated(list: { at: Date; wh: number }[]): EventEnvelope {
    return this.next(EnergyEventTypes.IntervalsEstimated, 1, {
      meterId: this.id,
      intervals: list.map((e) => ({ at: e.at.toISOString(), wh: e.wh })),
    });
  }

  private next(type: string, schemaVersion: number, payload: unknown): EventEnvelope {
    this.version += 1;
    return newEnvelope({
      aggregateType: 'Meter',
      aggregateId: this.id,
      aggregateVersion: this.version,
      type,
      schemaVersion,
      payload,
    });
  }
}

/** `count` intervals ending every 15 minutes after `fromIso`, with Wh from `wh(i)`. */
const intervals = (fromIso: string, count: number, wh: (i: number) => number) =>
  Array.from({ length: count }, (_, i) => ({
    at: new Date(Date.parse(fromIso) + (i + 1) * 15 * MIN),
    wh: wh(i),
  }));

const asConsumed = (envelopes: EventEnvelope[]) =>
  envelopes.map((envelope, i) => ({ envelope, topic: 'energy.events', partition: 0, offset: String(i) }));

async function applyEach(db: DataSource, events: EventEnvelope[], projection = new EnergyProjection()) {
  for (const event of events) await db.transaction((tx) => projection.apply(asConsumed([event]), tx));
}

async function rollups(db: DataSource, meterId: string) {
  const [row] = await db.query<Record<string, string>[]>(
    `SELECT (SELECT sum(wh) FROM readings WHERE meter_id = $1)::text AS raw,
            (SELECT sum(wh) FROM consumption_hourly WHERE meter_id = $1)::text AS hourly_wh,
            (SELECT sum(estimated_wh) FROM consumption_hourly WHERE meter_id = $1)::text AS hourly_estimated_wh,
            (SELECT sum(wh) FROM consumption_daily WHERE meter_id = $1)::text AS daily_wh,
            (SELECT sum(estimated_wh) FROM consumption_daily WHERE meter_id = $1)::text AS daily_estimated_wh,
            (SELECT sum(readings) FROM consumption_daily WHERE meter_id = $1)::text AS measured,
            (SELECT sum(estimated) FROM consumption_daily WHERE meter_id = $1)::text AS estimated`,
    [meterId],
  );
  return row;
}

describe('meter data quality in the energy read model', () => {
  after(() => harness.close());

  it('counts estimates apart, replaces each with its real reading exactly once, and stays exact on redelivery', async () => {
    const db = await harness.database();
    const meter = new MeterEvents();
    const measured = intervals('2026-11-02T00:00:00Z', 8, (i) => 100 + i);
    const gap = intervals('2026-11-02T02:00:00Z', 4, () => 0).map((e, i) => ({ ...e, wh: 50 + i }));
    const real = gap.map((e, i) => ({ at: e.at, wh: 200 + i, replacesEstimateWh: e.wh }));
    const history = [
      meter.registered(),
      meter.readings(measured),
      meter.estimated(gap),
      // Two of the four estimated intervals get their real readings; two stay estimated.
      meter.readings(real.slice(0, 2)),
    ];
    const projection = new EnergyProjection();
    await db.transaction((tx) => projection.apply(asConsumed(history.slice(0, 3)), tx));
    const estimatedOnly = await rollups(db, meter.id);
    const measuredWh = measured.reduce((s, r) => s + r.wh, 0);
    const estimatedWh = gap.reduce((s, r) => s + r.wh, 0);
    assert.deepEqual(estimatedOnly, {
      raw: String(measuredWh + estimatedWh),
      hourly_wh: String(measuredWh + estimatedWh),
      hourly_estimated_wh: String(estimatedWh),
      daily_wh: String(measuredWh + estimatedWh),
      daily_estimated_wh: String(estimatedWh),
      measured: '8',
      estimated: '4',
    });

    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    const corrected = measuredWh + 200 + 201 + gap[2].wh + gap[3].wh;
    const stillEstimated = gap[2].wh + gap[3].wh;
    const expected = {
      raw: String(corrected),
      hourly_wh: String(corrected),
      hourly_estimated_wh: String(stillEstimated),
      daily_wh: String(corrected),
      daily_estimated_wh: String(stillEstimated),
      measured: '10',
      estimated: '2',
    };
    assert.deepEqual(await rollups(db, meter.id), expected);
    const once = await harness.snapshot(db);

    // Redelivered: the whole history again, in one batch and event by event.
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    await applyEach(db, history, projection);
    assert.deepEqual(await harness.snapshot(db), once);

    const page = await readConsumption(db, meter, {
      from: new Date('2026-11-02T00:00:00Z'),
      to: new Date('2026-11-02T03:00:00Z'),
      granularity: 'HOUR',
    });
    assert.deepEqual(
      page.nodes.map((n) => [n.kwh, n.estimatedKwh, n.readings, n.complete]),
      [
        [(100 + 101 + 102 + 103) / 1000, 0, 4, true],
        [(104 + 105 + 106 + 107) / 1000, 0, 4, true],
        [(200 + 201 + gap[2].wh + gap[3].wh) / 1000, stillEstimated / 1000, 2, true],
      ],
    );
    const quality = await readDataQuality(
      db,
      meter,
      { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-02T04:00:00Z') },
      new Date('2026-11-05T00:00:00Z'),
    );
    assert.deepEqual(
      [quality.intervals, quality.measured, quality.estimated, quality.missing, quality.estimatedShare],
      [16, 10, 2, 4, 2 / 16],
    );
  });

  it('gives the same read model whether the correction comes in the estimate’s batch or later', async () => {
    const together = await harness.database();
    const apart = await harness.database();
    const meter = new MeterEvents();
    const gap = intervals('2026-11-02T02:00:00Z', 4, (i) => 40 + i);
    const history = [
      meter.registered(),
      meter.estimated(gap),
      meter.readings(gap.map((e) => ({ at: e.at, wh: e.wh * 3, replacesEstimateWh: e.wh }))),
    ];
    await together.transaction((tx) => new EnergyProjection().apply(asConsumed(history), tx));
    await applyEach(apart, history);
    assert.deepEqual(await harness.snapshot(together), await harness.snapshot(apart));
    assert.equal((await rollups(apart, meter.id)).hourly_estimated_wh, '0');
  });

  it('flags a frozen run that spans two batches, and a spike against the meter’s own p99', async () => {
    const db = await harness.database();
    const meter = new MeterEvents();
    // Three days of varied readings (p99 = 498 Wh over the 287 before 4 November); then a frozen run of 14 (N = 12 at 15 min)
    // sent as 7 + 7, and a spike above 10 × p99.
    const history = intervals('2026-11-01T00:00:00Z', 3 * 96, (i) => ((i * 37) % 500) + 1);
    const frozen = intervals('2026-11-04T00:00:00Z', 14, () => 321);
    const spike = { at: new Date(frozen[13].at.getTime() + 15 * MIN), wh: 4981 };
    // High, but not above 10 × p99: no flag (it would be above 10 × the median).
    const normal = intervals(spike.at.toISOString(), 4, (i) => (i === 1 ? 4980 : 200 + i));
    await applyEach(db, [
      meter.registered(),
      meter.readings(history),
      meter.readings(frozen.slice(0, 7)),
      meter.readings(frozen.slice(7)),
      meter.readings([spike]),
      meter.readings(normal),
    ]);
    const flags = await db.query<{ at: Date; flags: number }[]>(
      'SELECT at, flags FROM readings WHERE meter_id = $1 AND flags <> 0 ORDER BY at',
      [meter.id],
    );
    assert.deepEqual(
      flags.map((r) => [r.at.toISOString(), r.flags]),
      [
        ...frozen.map((r) => [r.at.toISOString(), QualityFlags.frozen]),
        [spike.at.toISOString(), QualityFlags.spike],
      ],
    );
    const quality = await readDataQuality(
      db,
      meter,
      { from: new Date('2026-11-03T23:07:00Z'), to: new Date('2026-11-04T05:00:00Z') },
      new Date('2026-11-05T00:00:00Z'),
    );
    assert.deepEqual([quality.frozen, quality.spikes, quality.flagged], [14, 1, 15]);
    const calm = await readDataQuality(
      db,
      meter,
      { from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-04T00:00:00Z') },
      new Date('2026-11-05T00:00:00Z'),
    );
    assert.deepEqual([calm.intervals, calm.measured, calm.flagged, calm.missing], [288, 288, 0, 0]);
  });

  it('judges a later day against the history that came in the same batch (a projector catching up)', async () => {
    const db = await harness.database();
    const meter = new MeterEvents();
    const history = intervals('2026-11-01T00:00:00Z', 3 * 96, (i) => ((i * 37) % 500) + 1);
    const spike = { at: new Date('2026-11-04T10:00:00Z'), wh: 4981 };
    const events = [meter.registered(), meter.readings(history), meter.readings([spike])];
    await db.transaction((tx) => new EnergyProjection().apply(asConsumed(events), tx));
    const flagged = await db.query<{ at: Date; flags: number }[]>(
      'SELECT at, flags FROM readings WHERE meter_id = $1 AND flags <> 0',
      [meter.id],
    );
    assert.deepEqual(
      flagged.map((r) => [r.at.toISOString(), r.flags]),
      [[spike.at.toISOString(), QualityFlags.spike]],
    );
    const [hour] = await db.query<{ spikes: number; flagged: number }[]>(
      `SELECT spikes, flagged FROM consumption_hourly WHERE meter_id = $1 AND bucket_start = '2026-11-04T09:00:00Z'`,
      [meter.id],
    );
    assert.deepEqual(hour, { spikes: 1, flagged: 1 });
  });

  it('does not flag a spike while the meter has too little history', async () => {
    const db = await harness.database();
    const meter = new MeterEvents();
    const history = intervals('2026-11-03T00:00:00Z', 95, (i) => (i % 9) + 1);
    await applyEach(db, [
      meter.registered(),
      meter.readings(history),
      meter.readings([{ at: new Date('2026-11-04T00:15:00Z'), wh: 100_000 }]),
    ]);
    const [row] = await db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM readings WHERE flags <> 0');
    assert.equal(row.n, 0);
  });
});
