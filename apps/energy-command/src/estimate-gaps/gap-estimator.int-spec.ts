import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EnergyEventTypes, Topics } from '@voltstream/contracts';
import { DEFAULT_ESTIMATION_POLICY, WEEK_MS } from '@voltstream/energy';
import { createDataSource, EventOutbox, JsonLogger, ServiceMetrics } from '@voltstream/platform';
import { dataOf, eventually, queryOnce, testSettings } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import {
  codeOf,
  energyCommandDb,
  newCustomer,
  outboxEvents,
  recordReadings,
  registerMeter,
  storedReadings,
} from '../testing/energy-command-api';
import { GapEstimator } from './gap-estimator';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The last whole hour: every meter's last reading ends one hour before it. */
const H = Math.floor(Date.now() / HOUR) * HOUR;
/** A one-day gap three days back: the same hours 1 and 2 weeks earlier are measured. */
const inGap = (at: number) => at > H - 4 * DAY && at <= H - 3 * DAY;
/** Hourly Wh: the hour of the day plus 7 Wh per week back, so a two-week mean ends in .5. */
const whAt = (at: number) => 100 + new Date(at).getUTCHours() + 7 * Math.floor((H - at) / WEEK_MS);

/** Hourly readings ending in (H − days, H − untilDays − 1 h], without the gap. */
function hourlyHistory(days: number, untilDays = 0): { at: string; kwh: number }[] {
  const readings: { at: string; kwh: number }[] = [];
  for (let at = H - days * DAY + HOUR; at <= H - untilDays * DAY - HOUR; at += HOUR) {
    if (!inGap(at)) readings.push({ at: new Date(at).toISOString(), kwh: whAt(at) / 1000 });
  }
  return readings;
}

const options = {
  policy: DEFAULT_ESTIMATION_POLICY,
  scanIntervalMs: 60_000,
  metersPerPass: 200,
  intervalsPerMeter: 4032,
};

/** An estimator instance of its own, as a second energy-command process would run it. */
function estimatorInstance(): { db: DataSource; estimator: GapEstimator } {
  const db = createDataSource({
    url: testSettings().databaseUrl,
    database: 'energy_command',
    applicationName: 'gap-estimator-test',
    poolSize: 4,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 30_000,
  });
  const logger = new JsonLogger('gap-estimator-test', 'error');
  return {
    db,
    estimator: new GapEstimator(
      db,
      new EventOutbox('energy-command', Topics.energy),
      options,
      logger,
      new ServiceMetrics('t'),
    ),
  };
}

const instances = [estimatorInstance(), estimatorInstance()];

/** Runs passes until the meter's cursor is past the gap (the service's estimator may be first). */
async function examinedPastTheGap(meterId: string): Promise<void> {
  await Promise.all(instances.map(({ estimator }) => estimator.estimateMeter(meterId, new Date())));
  await eventually(
    async () => {
      const [row] = await queryOnce<{ checked: Date | null }>(
        energyCommandDb,
        'SELECT vee_checked_through AS checked FROM meters WHERE id = $1',
        [meterId],
      );
      return row?.checked && row.checked.getTime() >= H - 3 * DAY ? true : undefined;
    },
    20_000,
    'the meter examined past its gap',
  );
}

const estimates = async (meterId: string) =>
  [...(await storedReadings(meterId))].filter(([, value]) => value.estimated);

describe('gap estimator (energy-command, real Postgres and relay)', () => {
  let token: string;
  let meterId: string;
  let thinMeterId: string;
  let backfilledMeterId: string;
  const gapHours = Array.from({ length: 24 }, (_, i) => H - 4 * DAY + (i + 1) * HOUR);

  before(async () => {
    await Promise.all(instances.map(({ db }) => db.initialize()));
    token = await newCustomer();
    [meterId, thinMeterId, backfilledMeterId] = await Promise.all([
      registerMeter(token, 60),
      registerMeter(token, 60),
      registerMeter(token, 60),
    ]);
    assert.equal(
      dataOf(await recordReadings(token, meterId, hourlyHistory(18))).recordReadings.accepted,
      407,
    );
    dataOf(await recordReadings(token, thinMeterId, hourlyHistory(12)));
  });

  after(() => Promise.all(instances.map(({ db }) => db.destroy())));

  it('estimates a one-day gap once, as the rounded same-hour mean of the two weeks before', async () => {
    // Two instances at once, and the service's own estimator running beside them.
    await Promise.all(instances.map(({ estimator }) => estimator.estimateMeter(meterId, new Date())));
    const found = await eventually(
      async () => ((await estimates(meterId)).length >= 24 ? estimates(meterId) : undefined),
      20_000,
      'the gap estimated',
    );
    assert.deepEqual(
      found.sort(([a], [b]) => a - b),
      gapHours.map((at) => [
        at,
        { wh: Math.round((whAt(at - WEEK_MS) + whAt(at - 2 * WEEK_MS)) / 2), estimated: true },
      ]),
    );
    // 100 + hour + mean(7, 14) = 110.5 + hour, rounded up.
    assert.equal(found[0]?.[1].wh, 111 + new Date(gapHours[0] ?? 0).getUTCHours());
  });

  it('appends one IntervalsEstimated v1 at the next version, which the relay publishes', async () => {
    const events = await outboxEvents(meterId);
    assert.deepEqual(
      events.map((e) => [e.type, e.schemaVersion, e.aggregateVersion]),
      [
        [EnergyEventTypes.MeterRegistered, 1, 1],
        [EnergyEventTypes.ReadingsRecorded, 2, 2],
        [EnergyEventTypes.IntervalsEstimated, 1, 3],
      ],
    );
    const payload = events[2]?.payload as { meterId: string; intervals: { at: string; wh: number }[] };
    assert.equal(payload.meterId, meterId);
    assert.deepEqual(
      payload.intervals.map((i) => i.at),
      gapHours.map((at) => new Date(at).toISOString()),
    );
    const [meter] = await queryOnce<{ version: number }>(
      energyCommandDb,
      'SELECT version FROM meters WHERE id = $1',
      [meterId],
    );
    assert.equal(meter?.version, 3);
    await eventually(
      async () => {
        const rows = await queryOnce<{ sent: boolean }>(
          energyCommandDb,
          `SELECT sent_at IS NOT NULL AS sent FROM outbox WHERE event_id = $1`,
          [events[2]?.id],
        );
        return rows[0]?.sent ? true : undefined;
      },
      20_000,
      'IntervalsEstimated published to Kafka',
    );
  });

  it('estimates nothing more on later passes, concurrent or not', async () => {
    const passes = await Promise.all([
      ...instances.map(({ estimator }) => estimator.runOnce()),
      ...instances.map(({ estimator }) => estimator.estimateMeter(meterId, new Date())),
    ]);
    assert.equal(passes[2] + passes[3], 0);
    assert.equal((await estimates(meterId)).length, 24);
    assert.equal((await outboxEvents(meterId)).length, 3);
  });

  it('leaves a gap MISSING on a meter with only one week of same-hour history', async () => {
    await examinedPastTheGap(thinMeterId);
    assert.deepEqual(await estimates(thinMeterId), []);
    assert.deepEqual(
      (await outboxEvents(thinMeterId)).map((e) => e.type),
      [EnergyEventTypes.MeterRegistered, EnergyEventTypes.ReadingsRecorded],
    );
  });

  it('estimates a gap left MISSING once an older week of history is backfilled', async () => {
    dataOf(await recordReadings(token, backfilledMeterId, hourlyHistory(12)));
    await examinedPastTheGap(backfilledMeterId);
    assert.deepEqual(await estimates(backfilledMeterId), []);
    // The backfill lands behind the estimator's cursor and moves it back.
    dataOf(await recordReadings(token, backfilledMeterId, hourlyHistory(18, 11)));
    await Promise.all(
      instances.map(({ estimator }) => estimator.estimateMeter(backfilledMeterId, new Date())),
    );
    const found = await eventually(
      async () =>
        (await estimates(backfilledMeterId)).length >= 24 ? estimates(backfilledMeterId) : undefined,
      20_000,
      'the backfilled meter gap estimated',
    );
    assert.deepEqual(
      found.map(([at]) => at).sort((a, b) => a - b),
      gapHours,
    );
  });

  it('accepts a real reading for an estimated hour once, as a correction; then it is measured', async () => {
    const at = gapHours[5] ?? 0;
    const estimate = (await storedReadings(meterId)).get(at)?.wh;
    const reading = [{ at: new Date(at).toISOString(), kwh: 0.042 }];
    const first = dataOf(await recordReadings(token, meterId, reading)).recordReadings;
    assert.deepEqual(first, { accepted: 1, duplicates: 0, replacedEstimates: 1 });
    const events = await outboxEvents(meterId);
    assert.deepEqual(
      [events[3]?.type, events[3]?.schemaVersion, events[3]?.aggregateVersion, events[3]?.payload],
      [
        EnergyEventTypes.ReadingsRecorded,
        2,
        4,
        { meterId, readings: [{ at: reading[0]?.at, wh: 42, replacesEstimateWh: estimate }] },
      ],
    );
    assert.deepEqual((await storedReadings(meterId)).get(at), { wh: 42, estimated: false });

    const again = dataOf(await recordReadings(token, meterId, reading)).recordReadings;
    assert.deepEqual(again, { accepted: 0, duplicates: 1, replacedEstimates: 0 });
    const other = await recordReadings(token, meterId, [{ at: reading[0]?.at ?? '', kwh: 0.043 }]);
    assert.equal(codeOf(other), 'ENERGY.READING_CONFLICT');

    // The correction moved the estimator back to it: a pass re-examines the day and finds the
    // other 23 hours estimated already, and the corrected one measured.
    await examinedPastTheGap(meterId);
    assert.equal((await estimates(meterId)).length, 23);
    assert.equal((await outboxEvents(meterId)).length, 4);
  });
});
