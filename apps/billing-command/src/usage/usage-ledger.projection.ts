import {
  energyChanges,
  EnergyEventTypes,
  parseEnergyEvent,
  readingIntervalStart,
} from '@voltstream/contracts';
import { ConsumedEvent, Projection, Queryable, UnapplicableEventError } from '@voltstream/platform';

const HOUR_MS = 3_600_000;

interface MeterState {
  version: number;
  intervalMinutes: number;
}

/** What a batch adds to one hour of a meter: energy, and the change of its estimated part. */
interface HourDelta {
  meterId: string;
  hourStart: number;
  wh: number;
  estimatedWh: number;
}

/**
 * Billing's own copy of what it needs from energy.events, in billing's database: meters (owner
 * and time zone) and usage per meter and UTC hour (`wh`; `late_wh` for usage that reached an
 * hour after an invoice covered it), with the part of each that energy estimated (`estimated_wh`,
 * `late_estimated_wh`). An estimate adds to both; a real reading that replaces an estimate adds
 * `wh − replacesEstimateWh` and takes `replacesEstimateWh` out of the estimated part, so after an
 * invoice the late part can be negative. Events at or below a meter's applied version are
 * skipped, in the same transaction as the writes, so redelivery never counts usage twice.
 */
export class UsageLedgerProjection implements Projection<void> {
  readonly name = 'billing-usage-ledger';

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<void> {
    const meterIds = [...new Set(events.map(({ envelope }) => envelope.aggregateId))];
    const rows = await tx.query<{ meter_id: string; version: number; interval_minutes: number }[]>(
      'SELECT meter_id, version, interval_minutes FROM billing_meters WHERE meter_id = ANY($1) FOR UPDATE',
      [meterIds],
    );
    const meters = new Map<string, MeterState>(
      rows.map((row) => [row.meter_id, { version: row.version, intervalMinutes: row.interval_minutes }]),
    );
    const usage = new Map<string, HourDelta>();
    const versions = new Map<string, number>();
    const add = (meterId: string, at: string, intervalMinutes: number, wh: number, estimatedWh: number) => {
      const start = readingIntervalStart(new Date(at), intervalMinutes).getTime();
      const hourStart = Math.floor(start / HOUR_MS) * HOUR_MS;
      const key = `${meterId}|${hourStart}`;
      const entry = usage.get(key) ?? { meterId, hourStart, wh: 0, estimatedWh: 0 };
      entry.wh += wh;
      entry.estimatedWh += estimatedWh;
      usage.set(key, entry);
    };

    for (const { envelope } of events) {
      const meterId = envelope.aggregateId;
      const current = meters.get(meterId);
      if (current && envelope.aggregateVersion <= current.version) continue;
      const event = parseEnergyEvent(envelope.type, envelope.schemaVersion, envelope.payload);
      switch (event.type) {
        case EnergyEventTypes.MeterRegistered: {
          const meter = event.payload;
          await tx.query(
            `INSERT INTO billing_meters (meter_id, owner_id, serial_number, timezone, interval_minutes, version)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (meter_id) DO NOTHING`,
            [
              meter.meterId,
              meter.ownerId,
              meter.serialNumber,
              meter.timezone,
              meter.intervalMinutes,
              envelope.aggregateVersion,
            ],
          );
          meters.set(meterId, { version: envelope.aggregateVersion, intervalMinutes: meter.intervalMinutes });
          break;
        }
        case EnergyEventTypes.ReadingsRecorded:
        case EnergyEventTypes.IntervalsEstimated: {
          if (!current)
            throw new UnapplicableEventError(
              `readings or estimates for meter ${meterId}, which billing does not know yet`,
            );
          current.version = envelope.aggregateVersion;
          versions.set(meterId, current.version);
          for (const change of energyChanges(event))
            add(meterId, change.at, current.intervalMinutes, change.wh, change.estimatedWh);
          break;
        }
        default: {
          const exhaustive: never = event;
          throw new Error(`unhandled energy event ${JSON.stringify(exhaustive)}`);
        }
      }
    }
    if (usage.size > 0) {
      const entries = [...usage.values()];
      // One statement for the whole batch: energy only sends readings and estimates it newly
      // accepted. Usage of an hour an invoice already covers is late: it waits in late_wh (its
      // estimated part in late_estimated_wh) for the next invoice. The meters' rows locked above
      // keep an issuer (who locks them too) from billing in between.
      await tx.query(
        `INSERT INTO usage_hourly (meter_id, hour_start, wh, late_wh, estimated_wh, late_estimated_wh)
         SELECT n.meter_id, n.hour_start,
                CASE WHEN covered THEN 0 ELSE n.wh END, CASE WHEN covered THEN n.wh ELSE 0 END,
                CASE WHEN covered THEN 0 ELSE n.est END, CASE WHEN covered THEN n.est ELSE 0 END
         FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[]) AS n (meter_id, hour_start, wh, est),
         LATERAL (SELECT EXISTS (
           SELECT 1 FROM account_meters am JOIN invoices i ON i.account_id = am.account_id
           WHERE am.meter_id = n.meter_id AND n.hour_start >= i.period_start AND n.hour_start < i.period_end
         ) AS covered) AS invoiced
         ON CONFLICT (meter_id, hour_start) DO UPDATE
           SET wh = usage_hourly.wh + EXCLUDED.wh, late_wh = usage_hourly.late_wh + EXCLUDED.late_wh,
               estimated_wh = usage_hourly.estimated_wh + EXCLUDED.estimated_wh,
               late_estimated_wh = usage_hourly.late_estimated_wh + EXCLUDED.late_estimated_wh`,
        [
          entries.map((e) => e.meterId),
          entries.map((e) => new Date(e.hourStart).toISOString()),
          entries.map((e) => e.wh),
          entries.map((e) => e.estimatedWh),
        ],
      );
    }
    for (const [meterId, version] of versions) {
      await tx.query('UPDATE billing_meters SET version = $2 WHERE meter_id = $1', [meterId, version]);
    }
  }
}
