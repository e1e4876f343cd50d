import { Reading, SPIKE_WINDOW_DAYS, SpikeBaseline } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

export type StoredReading = Reading & { flags: number };

/** A meter's new measured readings as one batch brings them, and how far its runs can reach. */
export interface FlagScope {
  meterId: string;
  /** Earliest and latest new reading. */
  first: Date;
  last: Date;
  /** (N - 1) × interval: how far a frozen run through a new reading can reach beyond it. */
  reachMs: number;
}

/**
 * The stored measured readings within reach of each meter's new ones, in one query for the batch.
 * Estimated intervals are left out: they are not readings, and they break a frozen run.
 */
export async function storedAround(
  tx: Queryable,
  scopes: readonly FlagScope[],
): Promise<Map<string, StoredReading[]>> {
  const byMeter = new Map<string, StoredReading[]>();
  if (scopes.length === 0) return byMeter;
  const rows = await tx.query<{ meter_id: string; at: Date; wh: string; flags: number }[]>(
    `SELECT r.meter_id, r.at, r.wh, r.flags
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS w(meter_id, lo, hi)
     JOIN readings r ON r.meter_id = w.meter_id AND r.at >= w.lo AND r.at <= w.hi
     WHERE NOT r.estimated`,
    [
      scopes.map((s) => s.meterId),
      scopes.map((s) => new Date(s.first.getTime() - s.reachMs).toISOString()),
      scopes.map((s) => new Date(s.last.getTime() + s.reachMs).toISOString()),
    ],
  );
  for (const row of rows) {
    const list = byMeter.get(row.meter_id) ?? [];
    list.push({ at: row.at, wh: Number(row.wh), flags: row.flags });
    byMeter.set(row.meter_id, list);
  }
  return byMeter;
}

/** The spike baseline of one UTC day: the p99 of the meter's 28 days before that day's start. */
export interface CachedBaseline extends SpikeBaseline {
  day: string;
}

const DAY_MS = 86_400_000;

/** The UTC day whose start ends the baseline window of a reading at `at`. */
export const baselineDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The UTC days a meter's new readings fall on, for their baselines. */
export interface BaselineScope {
  meterId: string;
  days: ReadonlySet<string>;
}

/**
 * Spike baselines of the batch's meters, per UTC day of their new readings, read after the
 * batch's readings are inserted: a batch that carries a meter's history and a later day (a
 * projector catching up, a rebuild) judges the later day against that history. A meter reuses
 * the baseline its row caches for the same day; the others are computed in one query (p99 by
 * nearest rank, `percentile_disc`), so live ingestion computes a meter's p99 about once a day.
 * Returns them by `meterId|day`, and per meter the newest one computed (for the row's cache).
 */
export async function spikeBaselines(
  tx: Queryable,
  scopes: readonly BaselineScope[],
  cached: ReadonlyMap<string, CachedBaseline | null>,
): Promise<{ baselines: Map<string, CachedBaseline>; computed: Map<string, CachedBaseline> }> {
  const baselines = new Map<string, CachedBaseline>();
  const stale: { meterId: string; day: string }[] = [];
  for (const { meterId, days } of scopes) {
    const known = cached.get(meterId);
    for (const day of days) {
      if (known && known.day === day) baselines.set(`${meterId}|${day}`, known);
      else stale.push({ meterId, day });
    }
  }
  const computed = new Map<string, CachedBaseline>();
  if (stale.length === 0) return { baselines, computed };
  const rows = await tx.query<{ meter_id: string; day: string; sample: number; p99: string | null }[]>(
    `SELECT w.meter_id, w.day, count(r.wh)::int AS sample,
            percentile_disc(0.99) WITHIN GROUP (ORDER BY r.wh)::text AS p99
     FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS w(meter_id, day, lo, hi)
     LEFT JOIN readings r ON r.meter_id = w.meter_id AND r.at >= w.lo AND r.at < w.hi AND NOT r.estimated
     GROUP BY w.meter_id, w.day`,
    [
      stale.map((s) => s.meterId),
      stale.map((s) => s.day),
      stale.map((s) => new Date(Date.parse(s.day) - SPIKE_WINDOW_DAYS * DAY_MS).toISOString()),
      stale.map((s) => new Date(Date.parse(s.day)).toISOString()),
    ],
  );
  for (const row of rows) {
    const baseline = { day: row.day, sample: row.sample, p99Wh: Number(row.p99 ?? 0) };
    baselines.set(`${row.meter_id}|${row.day}`, baseline);
    const newest = computed.get(row.meter_id);
    if (!newest || newest.day < row.day) computed.set(row.meter_id, baseline);
  }
  return { baselines, computed };
}
