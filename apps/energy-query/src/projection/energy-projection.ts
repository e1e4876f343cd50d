import { EnergyEventTypes, MeterRegisteredV1, parseEnergyEvent } from '@voltstream/contracts';
import { DEFAULT_VEE_THRESHOLDS, Reading, VeeThresholds } from '@voltstream/energy';
import { ConsumedEvent, Projection, Queryable, UnapplicableEventError } from '@voltstream/platform';
import { CachedBaseline } from './flag-context';
import { applyMeasured, MeasuredReading, MeterFlagState } from './measured-readings';
import { ChangesByMeter, insertEstimates } from './interval-writes';
import { ReadingPartitions } from './reading-partitions';
import { upsertRollups } from './rollup-writes';

interface MeterState extends MeterFlagState {
  version: number;
  timezone: string;
  intervalMinutes: number;
}

export interface EnergyProjectionResult {
  /** Meter id → the version the read model reached in this batch. */
  versions: Map<string, number>;
  /** Newest measured reading per meter in this batch, for live subscribers. */
  latest: Map<string, Reading>;
}

/**
 * Projects energy events into meters, intervals (measured or estimated, with quality flags) and
 * hourly/daily rollups with set-based SQL: a whole Kafka batch costs a handful of statements, not
 * one per reading. Events at or below a meter's applied version are skipped, and intervals
 * already present add nothing to the rollups, so applying a batch twice leaves the same read model.
 */
export class EnergyProjection implements Projection<EnergyProjectionResult> {
  readonly name = 'energy-read-model';
  private readonly partitions = new ReadingPartitions();

  constructor(private readonly thresholds: VeeThresholds = DEFAULT_VEE_THRESHOLDS) {}

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<EnergyProjectionResult> {
    const parsed = events.map(({ envelope }) => ({
      envelope,
      event: parseEnergyEvent(envelope.type, envelope.schemaVersion, envelope.payload),
    }));
    const meterIds = [...new Set(parsed.map(({ envelope }) => envelope.aggregateId))];
    const state = await loadMeters(tx, meterIds);
    const registrations: MeterRegisteredV1[] = [];
    const measured = new Map<string, MeasuredReading[]>();
    const estimates = new Map<string, Reading[]>();
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
            baseline: null,
          });
          break;
        case EnergyEventTypes.ReadingsRecorded: {
          if (!current)
            throw new UnapplicableEventError(
              `readings for meter ${meterId}, which the read model does not know`,
            );
          current.version = envelope.aggregateVersion;
          const list = measured.get(meterId) ?? [];
          for (const r of event.payload.readings)
            list.push({ at: new Date(r.at), wh: r.wh, replacesEstimate: r.replacesEstimateWh !== null });
          measured.set(meterId, list);
          break;
        }
        case EnergyEventTypes.IntervalsEstimated: {
          if (!current)
            throw new UnapplicableEventError(
              `estimates for meter ${meterId}, which the read model does not know`,
            );
          current.version = envelope.aggregateVersion;
          const list = estimates.get(meterId) ?? [];
          for (const e of event.payload.intervals) list.push({ at: new Date(e.at), wh: e.wh });
          estimates.set(meterId, list);
          break;
        }
        default: {
          const exhaustive: never = event;
          throw new Error(`unhandled event ${String(exhaustive)}`);
        }
      }
      versions.set(meterId, state.get(meterId)!.version);
    }

    await insertMeters(tx, registrations);
    await this.partitions.ensureFor(tx, [
      ...[...measured.values()].flat().map((r) => r.at),
      ...[...estimates.values()].flat().map((e) => e.at),
    ]);
    const changes: ChangesByMeter = new Map();
    // Estimates first: a correction later in the same batch then finds the estimate it replaces.
    await insertEstimates(tx, estimates, changes);
    const { inserted, baselines } = await applyMeasured(tx, measured, state, this.thresholds, changes);
    await upsertRollups(tx, changes, state);
    const latest = latestPerMeter(inserted);
    await updateMeters(tx, versions, latest, baselines);
    return { versions, latest };
  }
}

async function loadMeters(tx: Queryable, ids: string[]): Promise<Map<string, MeterState>> {
  const rows = await tx.query<
    {
      id: string;
      version: number;
      timezone: string;
      interval_minutes: number;
      spike_day: string | null;
      spike_p99_wh: string | null;
      spike_sample: number | null;
    }[]
  >(
    `SELECT id, version, timezone, interval_minutes, spike_day::text, spike_p99_wh::text, spike_sample
     FROM meters WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        version: r.version,
        timezone: r.timezone,
        intervalMinutes: r.interval_minutes,
        baseline:
          r.spike_day === null
            ? null
            : { day: r.spike_day, p99Wh: Number(r.spike_p99_wh), sample: r.spike_sample ?? 0 },
      },
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

function latestPerMeter(inserted: ReadonlyMap<string, Reading[]>): Map<string, Reading> {
  const latest = new Map<string, Reading>();
  for (const [meterId, readings] of inserted) {
    const newest = readings.reduce((a, b) => (b.at.getTime() > a.at.getTime() ? b : a));
    latest.set(meterId, newest);
  }
  return latest;
}

/** Versions, newest measured reading, and the spike baselines computed in this batch. */
async function updateMeters(
  tx: Queryable,
  versions: ReadonlyMap<string, number>,
  latest: ReadonlyMap<string, Reading>,
  baselines: ReadonlyMap<string, CachedBaseline>,
): Promise<void> {
  if (versions.size === 0) return;
  const ids = [...versions.keys()];
  await tx.query(
    `UPDATE meters m SET
       version = GREATEST(m.version, v.version),
       latest_at = CASE WHEN v.latest_at IS NOT NULL AND (m.latest_at IS NULL OR v.latest_at > m.latest_at) THEN v.latest_at ELSE m.latest_at END,
       latest_wh = CASE WHEN v.latest_at IS NOT NULL AND (m.latest_at IS NULL OR v.latest_at > m.latest_at) THEN v.latest_wh ELSE m.latest_wh END,
       spike_day = COALESCE(v.spike_day, m.spike_day),
       spike_p99_wh = CASE WHEN v.spike_day IS NULL THEN m.spike_p99_wh ELSE v.spike_p99_wh END,
       spike_sample = CASE WHEN v.spike_day IS NULL THEN m.spike_sample ELSE v.spike_sample END
     FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::bigint[], $5::date[], $6::bigint[], $7::int[])
       AS v(id, version, latest_at, latest_wh, spike_day, spike_p99_wh, spike_sample)
     WHERE m.id = v.id`,
    [
      ids,
      ids.map((id) => versions.get(id)!),
      ids.map((id) => latest.get(id)?.at.toISOString() ?? null),
      ids.map((id) => latest.get(id)?.wh ?? null),
      ids.map((id) => baselines.get(id)?.day ?? null),
      ids.map((id) => baselines.get(id)?.p99Wh ?? null),
      ids.map((id) => baselines.get(id)?.sample ?? null),
    ],
  );
}
