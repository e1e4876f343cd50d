import { DomainError } from '@voltstream/contracts';
import { EnergyErrorCodes } from '../energy-errors';
import { intervalsStartingIn, QualityCounts } from './quality-rollup';

/** One `dataQuality` request reaches at most this far: 366 days is ~8,800 hourly rows to sum. */
export const MAX_QUALITY_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

export interface QualityWindow {
  /** The interval starts counted: [lo, hi), both on interval boundaries. */
  lo: Date;
  hi: Date;
  intervals: number;
}

/**
 * The intervals `dataQuality(from, to)` counts: those starting in [from, to), clipped to the
 * meter's life and to intervals that have ended by `now`. The meter's life starts at its
 * registration, or at its first reading's interval when history was loaded after registering.
 */
export function qualityWindow(
  from: Date,
  to: Date,
  meter: { createdAt: Date; intervalMinutes: number },
  firstIntervalStart: Date | null,
  now: Date,
): QualityWindow {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || to.getTime() <= from.getTime()) {
    throw DomainError.fromFieldErrors([
      { path: 'to', code: EnergyErrorCodes.invalidRange, message: '`to` must be after `from`' },
    ]);
  }
  if ((to.getTime() - from.getTime()) / DAY_MS > MAX_QUALITY_RANGE_DAYS) {
    throw DomainError.fromFieldErrors([
      {
        path: 'to',
        code: EnergyErrorCodes.rangeTooLarge,
        message: `dataQuality spans at most ${MAX_QUALITY_RANGE_DAYS} days per request`,
      },
    ]);
  }
  const step = meter.intervalMinutes * 60_000;
  const lifeStart = Math.min(meter.createdAt.getTime(), firstIntervalStart?.getTime() ?? Infinity);
  const lo = ceilTo(Math.max(from.getTime(), lifeStart), step);
  // An interval starting at s has ended when s + step <= now.
  const lastEnded = Math.floor(now.getTime() / step) * step;
  const hi = Math.max(lo, Math.min(ceilTo(to.getTime(), step), lastEnded));
  return {
    lo: new Date(lo),
    hi: new Date(hi),
    intervals: intervalsStartingIn(new Date(lo), new Date(hi), meter.intervalMinutes),
  };
}

const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

export interface MeterDataQuality {
  from: Date;
  to: Date;
  intervals: number;
  measured: number;
  estimated: number;
  missing: number;
  flagged: number;
  frozen: number;
  spikes: number;
  measuredShare: number;
  estimatedShare: number;
  missingShare: number;
  flaggedShare: number;
}

/** Counts and shares of a window; shares are 0 when the window holds no interval. */
export function summarizeQuality(
  from: Date,
  to: Date,
  window: QualityWindow,
  counts: Pick<QualityCounts, 'readings' | 'estimated' | 'frozen' | 'spikes' | 'flagged'>,
): MeterDataQuality {
  const { intervals } = window;
  const missing = Math.max(0, intervals - counts.readings - counts.estimated);
  const share = (n: number) => (intervals === 0 ? 0 : n / intervals);
  return {
    from,
    to,
    intervals,
    measured: counts.readings,
    estimated: counts.estimated,
    missing,
    flagged: counts.flagged,
    frozen: counts.frozen,
    spikes: counts.spikes,
    measuredShare: share(counts.readings),
    estimatedShare: share(counts.estimated),
    missingShare: share(missing),
    flaggedShare: share(counts.flagged),
  };
}
