import { FeedsEvent, FeedsEventTypes } from '@voltstream/contracts';

export const TrendWindows = ['DAY', 'WEEK'] as const;
export type TrendWindow = (typeof TrendWindows)[number];

export const TRENDING_HALF_LIFE_HOURS: Readonly<Record<TrendWindow, number>> = { DAY: 6, WEEK: 48 };
/** Finishing a course says more about it than starting one; lesson completions do not count. */
export const TRENDING_WEIGHTS = { enrolled: 1, courseCompleted: 3 } as const;
/**
 * A sorted set's scores are relative to its epoch and grow ×2 per half-life; after this many
 * half-lives (8 days for DAY, 64 for WEEK) a new set starts, so no score passes weight × 2^32.
 */
export const TRENDING_GENERATION_HALF_LIVES = 32;
export const TRENDING_GENESIS = new Date('2026-01-01T00:00:00.000Z');

const HOUR_MS = 3_600_000;
const halfLifeMs = (window: TrendWindow): number => TRENDING_HALF_LIFE_HOURS[window] * HOUR_MS;

export interface WeightedAt {
  at: Date;
  weight: number;
}

export interface TrendSignal extends WeightedAt {
  courseId: string;
}

/** What an event adds to its course's trend: enrollments weigh 1, course completions 3. */
export function trendSignalOf(event: FeedsEvent): TrendSignal | null {
  switch (event.type) {
    case FeedsEventTypes.Enrolled:
      return {
        courseId: event.payload.courseId,
        at: new Date(event.payload.enrolledAt),
        weight: TRENDING_WEIGHTS.enrolled,
      };
    case FeedsEventTypes.CourseCompleted:
      return {
        courseId: event.payload.courseId,
        at: new Date(event.payload.completedAt),
        weight: TRENDING_WEIGHTS.courseCompleted,
      };
    default:
      return null;
  }
}

/** Σ weight × 2^(−(now − at) / halfLife): each signal loses half its weight per half-life. */
export function decayedScore(events: readonly WeightedAt[], now: Date, halfLifeHours: number): number {
  if (!Number.isFinite(halfLifeHours) || halfLifeHours <= 0) throw new RangeError('halfLifeHours > 0');
  const halfLife = halfLifeHours * HOUR_MS;
  const nowMs = now.getTime();
  return events.reduce(
    (sum, event) => sum + event.weight * 2 ** ((event.at.getTime() - nowMs) / halfLife),
    0,
  );
}

/** Start of the sorted-set generation that holds `at`. */
export function trendingEpoch(at: Date, window: TrendWindow): Date {
  const span = TRENDING_GENERATION_HALF_LIVES * halfLifeMs(window);
  const genesis = TRENDING_GENESIS.getTime();
  return new Date(genesis + Math.floor((at.getTime() - genesis) / span) * span);
}

/**
 * What ZINCRBY adds: weight × 2^((at − epoch) / halfLife). Every score of the set is its decayed
 * score times the same 2^((now − epoch) / halfLife), so ordering by it is ordering by decay at
 * any `now`, and scores only ever get added.
 */
export function trendingScoreIncrement(
  at: Date,
  weight: number,
  window: TrendWindow,
  epoch: Date = trendingEpoch(at, window),
): number {
  return weight * 2 ** ((at.getTime() - epoch.getTime()) / halfLifeMs(window));
}

/** The ZUNIONSTORE WEIGHTS factor that carries scores from one generation's epoch to the next. */
export const trendingRebaseFactor = (from: Date, to: Date, window: TrendWindow): number =>
  2 ** ((from.getTime() - to.getTime()) / halfLifeMs(window));

/** The decayed score at `now` of an incremental score kept relative to `epoch`. */
export const decayedFromIncremental = (score: number, epoch: Date, now: Date, window: TrendWindow): number =>
  score * 2 ** ((epoch.getTime() - now.getTime()) / halfLifeMs(window));

/** Scores below this (ZREMRANGEBYSCORE) have decayed under `minDecayed` at `now`. */
export const trendingPruneBelow = (epoch: Date, now: Date, window: TrendWindow, minDecayed = 0.01): number =>
  minDecayed * 2 ** ((now.getTime() - epoch.getTime()) / halfLifeMs(window));
