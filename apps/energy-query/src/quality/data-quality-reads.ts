import { MeterDataQuality, nextStart, qualityWindow, startOf, summarizeQuality } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

export interface DataQualityArgs {
  from: Date;
  to: Date;
}

/**
 * `Meter.dataQuality`: whole local hours inside the window are summed from `consumption_hourly`;
 * only the part hours at its two ends (at most two hours of intervals) are counted from raw rows.
 * Two queries, whatever the range.
 */
export async function readDataQuality(
  db: Queryable,
  meter: { id: string; timezone: string; intervalMinutes: number; createdAt: Date },
  args: DataQualityArgs,
  now: Date,
): Promise<MeterDataQuality> {
  const step = meter.intervalMinutes * 60_000;
  // Validates the range before anything is read; the clip to the meter's life comes after.
  qualityWindow(args.from, args.to, meter, null, now);
  const [first] = await db.query<{ at: Date | null }[]>(
    'SELECT min(at) AS at FROM readings WHERE meter_id = $1',
    [meter.id],
  );
  const firstStart = first?.at ? new Date(first.at.getTime() - step) : null;
  const window = qualityWindow(args.from, args.to, meter, firstStart, now);
  const empty = { readings: 0, estimated: 0, frozen: 0, spikes: 0, flagged: 0 };
  if (window.intervals === 0) return summarizeQuality(args.from, args.to, window, empty);

  const hourAtOrAfter = (at: Date) => {
    const start = startOf('hour', at, meter.timezone);
    return start.getTime() === at.getTime() ? start : nextStart('hour', start, meter.timezone);
  };
  let coreStart = hourAtOrAfter(window.lo);
  let coreEnd = startOf('hour', window.hi, meter.timezone);
  if (coreStart.getTime() >= coreEnd.getTime()) coreStart = coreEnd = window.hi;
  // An interval starting at s is the reading at s + step.
  const at = (start: Date) => new Date(start.getTime() + step).toISOString();
  const [counts] = await db.query<Record<keyof typeof empty, number>[]>(
    `SELECT coalesce(sum(readings), 0)::int AS readings, coalesce(sum(estimated), 0)::int AS estimated,
            coalesce(sum(frozen), 0)::int AS frozen, coalesce(sum(spikes), 0)::int AS spikes,
            coalesce(sum(flagged), 0)::int AS flagged
     FROM (
       SELECT readings, estimated, frozen, spikes, flagged FROM consumption_hourly
       WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3
       UNION ALL
       SELECT (NOT estimated)::int, estimated::int, (flags & 1 <> 0)::int, (flags & 2 <> 0)::int, (flags <> 0)::int
       FROM readings
       WHERE meter_id = $1 AND ((at >= $4 AND at < $5) OR (at >= $6 AND at < $7))
     ) AS parts`,
    [
      meter.id,
      coreStart.toISOString(),
      coreEnd.toISOString(),
      at(window.lo),
      at(coreStart),
      at(coreEnd),
      at(window.hi),
    ],
  );
  return summarizeQuality(args.from, args.to, window, counts ?? empty);
}
