import { localDate, nextStart, startOf } from '@voltstream/calendar';
import { intervalStart } from '../consumption';
import { Meter } from '../meter';

/** What the rollups count per bucket, besides its bounds. Every field is a sum, so deltas add up. */
export interface QualityCounts {
  /** All energy, estimated included. */
  wh: number;
  /** The estimated part of `wh`. */
  estimatedWh: number;
  /** Measured intervals. */
  readings: number;
  /** Estimated intervals. */
  estimated: number;
  frozen: number;
  spikes: number;
  /** Intervals with any flag. */
  flagged: number;
}

/** One interval's change to the rollups, at the instant its interval ends (like a reading). */
export type IntervalChange = { at: Date } & QualityCounts;

export type QualityBucket = { start: Date; end: Date } & QualityCounts;

export const NO_COUNTS: QualityCounts = {
  wh: 0,
  estimatedWh: 0,
  readings: 0,
  estimated: 0,
  frozen: 0,
  spikes: 0,
  flagged: 0,
};

const COUNT_KEYS = Object.keys(NO_COUNTS) as (keyof QualityCounts)[];

/** What these interval changes add to the hourly and daily rollups (negative parts included). */
export function qualityRollupDeltas(
  changes: readonly IntervalChange[],
  meter: Pick<Meter, 'intervalMinutes' | 'timezone'>,
): { hourly: Map<number, QualityBucket>; daily: Map<string, QualityBucket> } {
  const hourly = new Map<number, QualityBucket>();
  const daily = new Map<string, QualityBucket>();
  for (const change of changes) {
    const start = intervalStart(change, meter);
    const hourStart = startOf('hour', start, meter.timezone);
    addTo(hourly, hourStart.getTime(), change, () => ({
      start: hourStart,
      end: nextStart('hour', hourStart, meter.timezone),
    }));
    addTo(daily, localDate(start, meter.timezone), change, () => {
      const dayStart = startOf('day', start, meter.timezone);
      return { start: dayStart, end: nextStart('day', dayStart, meter.timezone) };
    });
  }
  return { hourly, daily };
}

function addTo<K>(
  buckets: Map<K, QualityBucket>,
  key: K,
  change: QualityCounts,
  bounds: () => { start: Date; end: Date },
): void {
  const bucket = buckets.get(key) ?? { ...bounds(), ...NO_COUNTS };
  for (const name of COUNT_KEYS) bucket[name] += change[name];
  buckets.set(key, bucket);
}

/** Sums counts (e.g. daily rows into a month). */
export function addCounts(into: QualityCounts, more: QualityCounts): void {
  for (const name of COUNT_KEYS) into[name] += more[name];
}

/**
 * How many intervals of `intervalMinutes` start in [from, to): intervals are aligned on the epoch,
 * as readings are (ENERGY.READING_NOT_ALIGNED).
 */
export function intervalsStartingIn(from: Date, to: Date, intervalMinutes: number): number {
  const step = intervalMinutes * 60_000;
  return Math.max(0, Math.ceil(to.getTime() / step) - Math.ceil(from.getTime() / step));
}

/** A bucket is complete once it has ended and every interval in it is measured or estimated. */
export function isComplete(
  bucket: { start: Date; end: Date; readings: number; estimated: number },
  intervalMinutes: number,
  now: Date,
): boolean {
  if (bucket.end.getTime() > now.getTime()) return false;
  return bucket.readings + bucket.estimated >= intervalsStartingIn(bucket.start, bucket.end, intervalMinutes);
}
