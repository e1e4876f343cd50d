import { energyChanges, EnergyEventTypes, parseEnergyEvent, UUID_PATTERN } from '@voltstream/contracts';
import { usageByMonth } from '@voltstream/feeds';
import { ConsumedEvent, Projection, Queryable, UnapplicableEventError } from '@voltstream/platform';
import { AchievementAwarder } from './achievement-awarder';

interface MeterRow {
  meter_id: string;
  owner_id: string;
  timezone: string;
  interval_minutes: number;
  version: number;
}

/**
 * Meters and their energy per local month from energy.events, for LOWER_CONSUMPTION_MONTH.
 * Events at or below a meter's applied version are skipped in the same transaction as the
 * writes (energy sends only readings it newly accepted), so a replay counts nothing twice; the
 * award itself is guarded by the achievements key.
 */
export class EnergyFactsProjection implements Projection<number> {
  readonly name = 'feeds-command-achievements-energy';

  constructor(private readonly awarder: AchievementAwarder) {}

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<number> {
    const meterIds = [...new Set(events.map(({ envelope }) => envelope.aggregateId))];
    const rows = await tx.query<MeterRow[]>(
      `SELECT meter_id, owner_id, timezone, interval_minutes, version FROM energy_meters
       WHERE meter_id = ANY($1::uuid[]) FOR UPDATE`,
      [meterIds],
    );
    const meters = new Map(rows.map((row) => [row.meter_id, row]));
    const causes = new Map<string, string>();
    for (const { envelope } of events) {
      const known = meters.get(envelope.aggregateId);
      if (known && envelope.aggregateVersion <= known.version) continue;
      const event = parseEnergyEvent(envelope.type, envelope.schemaVersion, envelope.payload);
      switch (event.type) {
        case EnergyEventTypes.MeterRegistered: {
          const { meterId, ownerId, timezone, intervalMinutes } = event.payload;
          const row = {
            meter_id: meterId,
            owner_id: ownerId,
            timezone,
            interval_minutes: intervalMinutes,
            version: envelope.aggregateVersion,
          };
          await tx.query(
            `INSERT INTO energy_meters (meter_id, owner_id, timezone, interval_minutes, version)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (meter_id) DO NOTHING`,
            [meterId, ownerId, timezone, intervalMinutes, envelope.aggregateVersion],
          );
          meters.set(meterId, row);
          break;
        }
        case EnergyEventTypes.ReadingsRecorded:
        case EnergyEventTypes.IntervalsEstimated: {
          if (!known) {
            throw new UnapplicableEventError(
              `readings or estimates for meter ${envelope.aggregateId}, which feeds does not know yet`,
            );
          }
          known.version = envelope.aggregateVersion;
          const months = usageByMonth(energyChanges(event), known.interval_minutes, known.timezone);
          await tx.query(
            `INSERT INTO energy_meter_months (meter_id, month, wh)
             SELECT $1, * FROM unnest($2::text[], $3::bigint[])
             ON CONFLICT (meter_id, month) DO UPDATE SET wh = energy_meter_months.wh + EXCLUDED.wh`,
            [known.meter_id, [...months.keys()], [...months.values()]],
          );
          await tx.query(
            `UPDATE energy_meters SET version = $2,
               latest_month = GREATEST(latest_month, $3::text) WHERE meter_id = $1`,
            [known.meter_id, known.version, [...months.keys()].sort().at(-1)],
          );
          // Achievements are a user's, and users have uuids: an owner of another kind earns none.
          if (UUID_PATTERN.test(known.owner_id)) causes.set(known.owner_id, envelope.id);
          break;
        }
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    }
    return this.awarder.award(tx, causes);
  }
}
