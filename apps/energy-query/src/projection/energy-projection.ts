import { EnergyEventTypes, MeterRegisteredV1, parseEnergyEvent } from '@voltstream/contracts';
import { Bucket, Reading, rollupDeltas } from '@voltstream/energy';
import { ConsumedEvent, Projection, Queryable, UnapplicableEventError } from '@voltstream/platform';
import { ReadingPartitions } from './reading-partitions';

interface MeterState {
  version: number;
  timezone: string;
  intervalMinutes: number;
}

export interface EnergyProjectionResult {
  /** Meter id → the version the read model reached in this batch. */
  versions: Map<string, number>;
  /** Newest reading per meter in this batch, for live subscribers. */
  latest: Map<string, Reading>;
}

/**
 * Projects energy events into meters, raw readings and hourly/daily rollups with set-based SQL:
 * a whole Kafka batch costs a handful of statements, not one per reading. Events at or below a
 * meter's applied version are skipped, and readings already present add nothing to the rollups,
 * so applying a batch twice leaves the same read model.
 */
export class EnergyProjection implements Projection<EnergyProjectionResult> {
  readonly name = 'energy-read-model';
  private readonly partitions = new ReadingPartitions();

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<EnergyProjectionResult> {
    const parsed = events.map(({ envelope }) => ({
      envelope,
      event: parseEnergyEvent(envelope.type, envelope.schemaVersion, envelope.payload),
    }));
    const meterIds = [...new Set(parsed.map(({ envelope }) => envelope.aggregateId))];
    const state = await loadMeters(tx, meterIds);
    const registrations: MeterRegisteredV1[] = [];
    const newReadings = new Map<string, Reading[]>();
    const versions = new Map<string, number>();

    for (const { envelope, event } of parsed) {
      const meterId = envelope.aggregateId;
      const current = state.get(meterId);
      if (current && envelope.aggregateVersion <= current.version) continue;
      switch (event.type) {
        case EnergyEventTypes.MeterRegistered:
          registrations.push(event.payload);
          state.set(meterId, {
            version: 1,
            timezone: event.payload.timezone,
            intervalMinutes: event.payload.intervalMinutes,
          });
          break;
        case EnergyEventTypes.ReadingsRecorded: {
          if (!current)
            throw new UnapplicableEventError(
              `readings for meter ${meterId}, which the read model does not know`,
            );
          current.version = envelope.aggregateVersion;
          const list = newReadings.get(meterId) ?? [];
          for (const r of event.payload.readings) list.push({ at: new Date(r.at), wh: r.wh });
          newReadings.set(meterId, list);
          break;
        }
        case EnergyEventTypes.IntervalsEstimated:
          // VEE (issue #14): the consumer's handling lands with its branch; until then refuse.
          throw new UnapplicableEventError(`${event.type} is not applied by this consumer yet`);
        default: {
          const exhaustive: never = event;
          throw new Error(`unhandled event ${String(exhaustive)}`);
        }
      }
      versions.set(meterId, state.get(meterId)!.version);
    }

    await insertMeters(tx, registrations);
    await this.partitions.ensureFor(
      tx,
      [...newReadings.values()].flat().map((r) => r.at),
    );
    const inserted = await insertReadings(tx, newReadings);
    await upsertRollups(tx, inserted, state);
    const latest = latestPerMeter(inserted);
    await updateMeters(tx, versions, latest);
    return { versions, latest };
  }
}

async function loadMeters(tx: Queryable, ids: string[]): Promise<Map<string, MeterState>> {
  const rows = await tx.query<{ id: string; version: number; timezone: string; interval_minutes: number }[]>(
    'SELECT id, version, timezone, interval_minutes FROM meters WHERE id = ANY($1::uuid[]) FOR UPDATE',
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { version: r.version, timezone: r.timezone, intervalMinutes: r.interval_minutes },
    ]),
  );
}

async function insertMeters(tx: Queryable, meters: readonly MeterRegisteredV1[]): Promise<void> {
  if (meters.length === 0) return;
  await tx.query(
    `INSERT INTO meters (id, owner_id, serial_number, timezone, interval_minutes, created_at, version)
     SELECT id, owner_id, serial, tz, minutes, created_at, 1
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[])
       AS m(id, owner_id, serial, tz, minutes, created_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      meters.map((m) => m.meterId),
      meters.map((m) => m.ownerId),
      meters.map((m) => m.serialNumber),
      meters.map((m) => m.timezone),
      meters.map((m) => m.intervalMinutes),
      meters.map((m) => m.registeredAt),
    ],
  );
}

/** Inserts readings not yet present and returns only those, grouped per meter. */
async function insertReadings(
  tx: Queryable,
  readings: ReadonlyMap<string, Reading[]>,
): Promise<Map<string, Reading[]>> {
  const meterIds: string[] = [];
  const instants: string[] = [];
  const whs: number[] = [];
  for (const [meterId, list] of readings) {
    for (const r of list) {
      meterIds.push(meterId);
      instants.push(r.at.toISOString());
      whs.push(r.wh);
    }
  }
  const inserted = new Map<string, Reading[]>();
  if (meterIds.length === 0) return inserted;
  const rows = await tx.query<{ meter_id: string; at: Date; wh: string }[]>(
    `INSERT INTO readings (meter_id, at, wh)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[])
     ON CONFLICT (meter_id, at) DO NOTHING
     RETURNING meter_id, at, wh`,
    [meterIds, instants, whs],
  );
  for (const row of rows) {
    const list = inserted.get(row.meter_id) ?? [];
    list.push({ at: row.at, wh: Number(row.wh) });
    inserted.set(row.meter_id, list);
  }
  return inserted;
}

async function upsertRollups(
  tx: Queryable,
  inserted: ReadonlyMap<string, Reading[]>,
  state: ReadonlyMap<string, MeterState>,
): Promise<void> {
  const hourly: { meterId: string; bucket: Bucket }[] = [];
  const daily: { meterId: string; date: string; bucket: Bucket }[] = [];
  for (const [meterId, readings] of inserted) {
    const deltas = rollupDeltas(readings, state.get(meterId)!);
    for (const bucket of deltas.hourly.values()) hourly.push({ meterId, bucket });
    for (const [date, bucket] of deltas.daily) daily.push({ meterId, date, bucket });
  }
  if (hourly.length > 0) {
    await tx.query(
      `INSERT INTO consumption_hourly (meter_id, bucket_start, bucket_end, wh, readings)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::bigint[], $5::int[])
       ON CONFLICT (meter_id, bucket_start) DO UPDATE
         SET wh = consumption_hourly.wh + EXCLUDED.wh, readings = consumption_hourly.readings + EXCLUDED.readings`,
      columns(hourly, (h) => [
        h.meterId,
        h.bucket.start.toISOString(),
        h.bucket.end.toISOString(),
        h.bucket.wh,
        h.bucket.readings,
      ]),
    );
  }
  if (daily.length > 0) {
    await tx.query(
      `INSERT INTO consumption_daily (meter_id, local_date, bucket_start, bucket_end, wh, readings)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::timestamptz[], $4::timestamptz[], $5::bigint[], $6::int[])
       ON CONFLICT (meter_id, local_date) DO UPDATE
         SET wh = consumption_daily.wh + EXCLUDED.wh, readings = consumption_daily.readings + EXCLUDED.readings`,
      columns(daily, (d) => [
        d.meterId,
        d.date,
        d.bucket.start.toISOString(),
        d.bucket.end.toISOString(),
        d.bucket.wh,
        d.bucket.readings,
      ]),
    );
  }
}

function latestPerMeter(inserted: ReadonlyMap<string, Reading[]>): Map<string, Reading> {
  const latest = new Map<string, Reading>();
  for (const [meterId, readings] of inserted) {
    const newest = readings.reduce((a, b) => (b.at.getTime() > a.at.getTime() ? b : a));
    latest.set(meterId, newest);
  }
  return latest;
}

async function updateMeters(
  tx: Queryable,
  versions: ReadonlyMap<string, number>,
  latest: ReadonlyMap<string, Reading>,
): Promise<void> {
  if (versions.size === 0) return;
  const ids = [...versions.keys()];
  await tx.query(
    `UPDATE meters m SET
       version = GREATEST(m.version, v.version),
       latest_at = CASE WHEN v.latest_at IS NOT NULL AND (m.latest_at IS NULL OR v.latest_at > m.latest_at) THEN v.latest_at ELSE m.latest_at END,
       latest_wh = CASE WHEN v.latest_at IS NOT NULL AND (m.latest_at IS NULL OR v.latest_at > m.latest_at) THEN v.latest_wh ELSE m.latest_wh END
     FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bigint[]) AS v(id, version, latest_at, latest_wh)
     WHERE m.id = v.id`,
    [
      ids,
      ids.map((id) => versions.get(id)!),
      ids.map((id) => latest.get(id)?.at.toISOString() ?? null),
      ids.map((id) => latest.get(id)?.wh ?? null),
    ],
  );
}

/** Row objects → one array per column, the shape `unnest` takes. */
function columns<T>(rows: readonly T[], pick: (row: T) => unknown[]): unknown[][] {
  const picked = rows.map(pick);
  return picked[0].map((_, i) => picked.map((row) => row[i]));
}
