import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ENERGY_AGGREGATE,
  EnergyEventTypes,
  EventEnvelope,
  FeedsEventTypes,
  Topics,
} from '@voltstream/contracts';
import { ConsumedEvent, EventOutbox, newEnvelope } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { AchievementAwarder } from './achievements/achievement-awarder';
import { EnergyFactsProjection } from './achievements/energy-facts.projection';
import { scratchFeedsCommandSchema } from './testing/scratch-schema';

/** A meter's events in order, as energy-command publishes them (one stream per meter). */
function meterStream(ownerId: string, timezone: string) {
  const meterId = randomUUID();
  let version = 0;
  const next = (type: string, payload: unknown): EventEnvelope =>
    newEnvelope({
      type,
      schemaVersion: 1,
      aggregateType: ENERGY_AGGREGATE,
      aggregateId: meterId,
      aggregateVersion: (version += 1),
      payload,
    });
  return {
    meterId,
    registered: () =>
      next(EnergyEventTypes.MeterRegistered, {
        meterId,
        ownerId,
        serialNumber: `SN-${meterId.slice(0, 8)}`,
        timezone,
        intervalMinutes: 15,
        registeredAt: '2026-01-01T00:00:00.000Z',
      }),
    readings: (...readings: [string, number][]) =>
      next(EnergyEventTypes.ReadingsRecorded, {
        meterId,
        readings: readings.map(([at, wh]) => ({ at, wh })),
      }),
  };
}

describe('LOWER_CONSUMPTION_MONTH from energy.events (projection on a scratch database)', () => {
  let db: DataSource;
  let drop: (() => Promise<void>) | undefined;
  const projection = new EnergyFactsProjection(
    new AchievementAwarder(new EventOutbox('feeds-command-test', Topics.feeds)),
  );
  const consumed = (envelopes: EventEnvelope[]): ConsumedEvent[] =>
    envelopes.map((envelope, i) => ({ envelope, topic: Topics.energy, partition: 0, offset: String(i) }));
  const apply = (envelopes: EventEnvelope[]) =>
    db.transaction((tx) => projection.apply(consumed(envelopes), tx));
  const earned = async (userId: string) =>
    db.query<{ envelope: EventEnvelope }[]>(
      `SELECT envelope FROM outbox WHERE envelope->>'type' = $1 AND envelope->>'aggregateId' = $2`,
      [FeedsEventTypes.AchievementEarned, userId],
    );

  before(async () => {
    ({ db, drop } = await scratchFeedsCommandSchema());
  });

  after(() => drop?.());

  it('awards a customer whose two meters used 15 % less in a month once, when the month completes', async () => {
    const owner = randomUUID();
    // Berlin is UTC+1 in winter: 2026-02-28T23:00Z ends the last quarter hour of February there.
    const home = meterStream(owner, 'Europe/Berlin');
    const shed = meterStream(owner, 'UTC');
    const stream = [
      home.registered(),
      shed.registered(),
      home.readings(['2026-01-10T12:00:00.000Z', 60_000], ['2026-01-20T12:00:00.000Z', 40_000]),
      shed.readings(['2026-01-15T12:00:00.000Z', 100_000]),
      home.readings(['2026-02-10T12:00:00.000Z', 70_000], ['2026-02-28T23:00:00.000Z', 30_000]),
      shed.readings(['2026-02-15T12:00:00.000Z', 70_000]),
    ];
    // 170 kWh against 200 kWh, but no meter has read in March yet: February is not complete.
    assert.equal(await apply(stream), 0);
    const home2 = home.readings(['2026-03-01T00:00:00.000Z', 500]);
    // The home meter reads in March; the shed has not, so February is still open.
    assert.equal(await apply([home2]), 0);
    const shed2 = shed.readings(['2026-03-01T00:15:00.000Z', 500]);
    assert.equal(await apply([shed2]), 1);

    // Redelivery, then a replay of the whole topic from the start: nothing more.
    assert.equal(await apply([shed2]), 0);
    assert.equal(await apply([...stream, home2, shed2]), 0);
    // A later reading evaluates the rules again: February still qualifies, and is not awarded again.
    assert.equal(await apply([home.readings(['2026-03-02T12:00:00.000Z', 250])]), 0);

    const rows = await earned(owner);
    assert.equal(rows.length, 1);
    const [{ envelope }] = rows;
    assert.equal(envelope.causationId, shed2.id);
    assert.deepEqual(envelope.payload, {
      userId: owner,
      code: 'LOWER_CONSUMPTION_MONTH',
      title: 'A month of lower consumption',
      // February ends at midnight UTC for the shed, an hour after it ended in Berlin.
      earnedAt: '2026-03-01T00:00:00.000Z',
    });
    const months = await db.query<{ month: string; wh: string }[]>(
      `SELECT month, sum(wh)::text AS wh FROM energy_meter_months
       WHERE meter_id = ANY($1::uuid[]) GROUP BY month ORDER BY month`,
      [[home.meterId, shed.meterId]],
    );
    assert.deepEqual(months, [
      { month: '2026-01', wh: '200000' },
      { month: '2026-02', wh: '170000' },
      { month: '2026-03', wh: '1250' },
    ]);
  });

  it('awards nothing to a customer who used only 5 % less', async () => {
    const owner = randomUUID();
    const meter = meterStream(owner, 'Europe/London');
    const stream = [
      meter.registered(),
      meter.readings(['2026-01-15T12:00:00.000Z', 200_000]),
      meter.readings(['2026-02-15T12:00:00.000Z', 190_000]),
      meter.readings(['2026-03-02T12:00:00.000Z', 1_000]),
    ];
    assert.equal(await apply(stream), 0);
    assert.deepEqual(await earned(owner), []);
  });
});
