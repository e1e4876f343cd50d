import { ENERGY_SCHEMA_VERSIONS, EnergyEventTypes, IntervalsEstimatedV1 } from '@voltstream/contracts';
import { Reading, StoredInterval } from '../readings';

export interface EstimationPolicy {
  /** An interval counts as a gap only once this long has passed since it ended. */
  graceMs: number;
  /** Gaps more than this after the meter's last measured reading stay MISSING (a dead meter). */
  maxTrailingMs: number;
  /** Same-slot measured readings (of the last PROFILE_WEEKS weeks) an estimate needs at least. */
  minProfileWeeks: number;
}

export const DEFAULT_ESTIMATION_POLICY: EstimationPolicy = {
  graceMs: 4 * 3_600_000,
  maxTrailingMs: 48 * 3_600_000,
  minProfileWeeks: 2,
};

/** An estimate looks back this many weeks for the same weekday and time of day (UTC). */
export const PROFILE_WEEKS = 4;
export const WEEK_MS = 7 * 86_400_000;
/** How far before a window an estimator must load readings: the oldest profile slot it reads. */
export const PROFILE_LOOKBACK_MS = PROFILE_WEEKS * WEEK_MS;

/** Where a meter's estimation stands: enough to find its next window without reading history. */
export interface EstimationState {
  intervalMinutes: number;
  firstMeasuredAt: Date;
  lastMeasuredAt: Date;
  /** Every interval ending at or before this was examined already; null before the first pass. */
  checkedThrough: Date | null;
}

/** Interval ends in (after, through], all of the same meter's interval length. */
export interface EstimationWindow {
  after: Date;
  through: Date;
}

/**
 * The intervals the next pass examines: from where the last one stopped (or the first measured
 * reading) up to min(last measured + maxTrailing, now − grace), at most `maxIntervals` of them.
 * Null when none is due yet.
 */
export function estimationWindow(
  state: EstimationState,
  now: Date,
  policy: EstimationPolicy,
  maxIntervals: number,
): EstimationWindow | null {
  const step = state.intervalMinutes * 60_000;
  const cap = Math.min(state.lastMeasuredAt.getTime() + policy.maxTrailingMs, now.getTime() - policy.graceMs);
  const lastDue = Math.floor(cap / step) * step;
  // Nothing before the first measured reading is a gap: the meter was not installed yet. A cursor
  // set from outside (a migration) may fall between interval ends: the window starts at the one
  // before it.
  const cursor = Math.max(state.checkedThrough?.getTime() ?? -Infinity, state.firstMeasuredAt.getTime());
  const after = Math.floor(cursor / step) * step;
  if (after + step > lastDue) return null;
  return { after: new Date(after), through: new Date(Math.min(lastDue, after + step * maxIntervals)) };
}

/**
 * Estimates every interval in the window that has no stored value, measured or estimated (so an
 * estimate is never estimated again), as round(mean) of the MEASURED readings at the same instant
 * 1..PROFILE_WEEKS weeks earlier; Math.round, so a mean of n.5 Wh rounds up. An interval with
 * fewer than `minProfileWeeks` such readings stays MISSING: no profile, no invention.
 * `stored` must hold the meter's readings from window.after − PROFILE_LOOKBACK_MS to window.through.
 */
export function estimateGaps(
  window: EstimationWindow,
  intervalMinutes: number,
  stored: ReadonlyMap<number, StoredInterval>,
  policy: EstimationPolicy,
): Reading[] {
  const step = intervalMinutes * 60_000;
  const estimates: Reading[] = [];
  for (let at = window.after.getTime() + step; at <= window.through.getTime(); at += step) {
    if (stored.has(at)) continue;
    const profile: number[] = [];
    for (let week = 1; week <= PROFILE_WEEKS; week += 1) {
      const sameSlot = stored.get(at - week * WEEK_MS);
      if (sameSlot && !sameSlot.estimated) profile.push(sameSlot.wh);
    }
    if (profile.length < policy.minProfileWeeks) continue;
    const mean = profile.reduce((sum, wh) => sum + wh, 0) / profile.length;
    estimates.push({ at: new Date(at), wh: Math.round(mean) });
  }
  return estimates;
}

/** The contract's bound: one IntervalsEstimated carries 1..1000 intervals. */
export const INTERVALS_PER_EVENT = 1000;

export interface IntervalsEstimatedEvent {
  type: typeof EnergyEventTypes.IntervalsEstimated;
  schemaVersion: (typeof ENERGY_SCHEMA_VERSIONS)[typeof EnergyEventTypes.IntervalsEstimated];
  payload: IntervalsEstimatedV1;
}

/** The events that record a pass's estimates, in time order, at most 1000 intervals each. */
export function intervalsEstimated(
  meterId: string,
  estimates: readonly Reading[],
): IntervalsEstimatedEvent[] {
  const events: IntervalsEstimatedEvent[] = [];
  for (let i = 0; i < estimates.length; i += INTERVALS_PER_EVENT) {
    events.push({
      type: EnergyEventTypes.IntervalsEstimated,
      schemaVersion: ENERGY_SCHEMA_VERSIONS[EnergyEventTypes.IntervalsEstimated],
      payload: {
        meterId,
        intervals: estimates
          .slice(i, i + INTERVALS_PER_EVENT)
          .map((r) => ({ at: r.at.toISOString(), wh: r.wh })),
      },
    });
  }
  return events;
}
