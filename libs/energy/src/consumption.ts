import { localDate, nextStart, startOf } from '@voltstream/calendar';
import { DomainError, readingIntervalStart } from '@voltstream/contracts';
import { EnergyErrorCodes } from './energy-errors';
import { Meter } from './meter';
import { Reading } from './readings';

export type Granularity = 'INTERVAL' | 'HOUR' | 'DAY' | 'MONTH';

export interface Bucket {
  start: Date;
  end: Date;
  wh: number;
  readings: number;
}

const DAY_MS = 86_400_000;

/** A reading covers the interval ending at `at`; its energy counts in the bucket where it starts. */
export function intervalStart(reading: Reading, meter: Pick<Meter, 'intervalMinutes'>): Date {
  return readingIntervalStart(reading.at, meter.intervalMinutes);
}

export interface RollupDeltas {
  /** Keyed by the local hour's start (epoch ms). */
  hourly: Map<number, Bucket>;
  /** Keyed by the local date, `YYYY-MM-DD`. */
  daily: Map<string, Bucket>;
}

/** What new readings add to the hourly and daily rollups; the projector upserts these sums. */
export function rollupDeltas(
  readings: readonly Reading[],
  meter: Pick<Meter, 'intervalMinutes' | 'timezone'>,
): RollupDeltas {
  const hourly = new Map<number, Bucket>();
  const daily = new Map<string, Bucket>();
  for (const reading of readings) {
    const start = intervalStart(reading, meter);
    const hourStart = startOf('hour', start, meter.timezone);
    addTo(
      hourly,
      hourStart.getTime(),
      () => ({ start: hourStart, end: nextStart('hour', hourStart, meter.timezone) }),
      reading.wh,
    );
    const dayKey = localDate(start, meter.timezone);
    addTo(
      daily,
      dayKey,
      () => {
        const dayStart = startOf('day', start, meter.timezone);
        return { start: dayStart, end: nextStart('day', dayStart, meter.timezone) };
      },
      reading.wh,
    );
  }
  return { hourly, daily };
}

function addTo<K>(
  buckets: Map<K, Bucket>,
  key: K,
  bounds: () => { start: Date; end: Date },
  wh: number,
  readings = 1,
): void {
  const bucket = buckets.get(key);
  if (bucket) {
    bucket.wh += wh;
    bucket.readings += readings;
  } else {
    buckets.set(key, { ...bounds(), wh, readings });
  }
}

/** Sums daily buckets into local calendar months, in order. */
export function monthlyFromDaily(daily: readonly Bucket[], timezone: string): Bucket[] {
  const months = new Map<number, Bucket>();
  for (const day of daily) {
    const monthStart = startOf('month', day.start, timezone);
    const bounds = () => ({ start: monthStart, end: nextStart('month', monthStart, timezone) });
    addTo(months, monthStart.getTime(), bounds, day.wh, day.readings);
  }
  return [...months.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** How far one request may reach, per granularity, so no request scans years of intervals. */
export const MAX_RANGE_DAYS: Record<Granularity, number> = {
  INTERVAL: 31,
  HOUR: 93,
  DAY: 3 * 366,
  MONTH: 20 * 366,
};

export interface ConsumptionRange {
  /** `from` moved back to the start of its bucket, so that every bucket returned is whole. */
  from: Date;
  to: Date;
}

export function consumptionRange(
  from: Date,
  to: Date,
  granularity: Granularity,
  timezone: string,
): ConsumptionRange {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to.getTime() <= from.getTime()) {
    throw DomainError.fromFieldErrors([
      { path: 'to', code: EnergyErrorCodes.invalidRange, message: '`to` must be after `from`' },
    ]);
  }
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_RANGE_DAYS[granularity]) {
    throw DomainError.fromFieldErrors([
      {
        path: 'to',
        code: EnergyErrorCodes.rangeTooLarge,
        message: `${granularity} consumption spans at most ${MAX_RANGE_DAYS[granularity]} days per request`,
      },
    ]);
  }
  const unit =
    granularity === 'INTERVAL'
      ? null
      : granularity === 'HOUR'
        ? 'hour'
        : granularity === 'DAY'
          ? 'day'
          : 'month';
  return { from: unit ? startOf(unit, from, timezone) : from, to };
}
