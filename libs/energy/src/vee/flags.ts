import { Reading } from '../readings';

/** Flags of a measured interval, a bit set as the read model stores it. Flags never change sums. */
export const QualityFlags = {
  none: 0,
  /** Part of a run of the same non-zero Wh over `frozenIntervals` consecutive intervals or more. */
  frozen: 1,
  /** Above `spikeFactor` × the meter's own p99 of its previous 28 days. */
  spike: 2,
} as const;

export interface FlagThresholds {
  /** N: a run of this many consecutive equal non-zero readings is a frozen register. */
  frozenIntervals: number;
  /** k: a reading above k × p99 is a spike. */
  spikeFactor: number;
  /** Fewer measured readings than this in the 28 days before → no spike flag at all. */
  spikeMinSample: number;
}

/** What a meter's recent history says about spikes: its p99 and how many readings that rests on. */
export interface SpikeBaseline {
  p99Wh: number;
  sample: number;
}

/** The days of a meter's own history its p99 is taken over. */
export const SPIKE_WINDOW_DAYS = 28;

export interface FlagInput {
  intervalMinutes: number;
  /**
   * Measured readings already stored around the new ones, with their flags: at least the
   * `frozenIntervals - 1` intervals on each side of every new reading, so a run that started in
   * an earlier batch (or continues in a later one already stored) is seen whole.
   */
  stored: readonly (Reading & { flags: number })[];
  /** The new measured readings. An instant also present in `stored` is not new and gets no flag. */
  fresh: readonly Reading[];
  /** The meter's baseline for a reading at this instant (see SPIKE_WINDOW_DAYS); null when none. */
  baselineFor: (at: Date) => SpikeBaseline | null;
  thresholds: FlagThresholds;
}

export interface FlagDecision {
  /** Flags of each new reading, by epoch ms of `at` (0 when none). */
  fresh: Map<number, number>;
  /** Stored readings that join a frozen run now: epoch ms of `at` → their new flags. */
  stored: Map<number, number>;
}

/** Decides the flags of new measured readings, and the stored ones their run now makes frozen. */
export function decideFlags(input: FlagInput): FlagDecision {
  const storedAt = new Map(input.stored.map((r) => [r.at.getTime(), r]));
  const fresh = new Map<number, number>();
  for (const r of input.fresh) {
    const atMs = r.at.getTime();
    if (!storedAt.has(atMs))
      fresh.set(atMs, isSpike(r.wh, input.baselineFor(r.at), input.thresholds) ? QualityFlags.spike : 0);
  }
  const series = new Map<number, number>();
  for (const r of input.stored) series.set(r.at.getTime(), r.wh);
  for (const r of input.fresh) if (fresh.has(r.at.getTime())) series.set(r.at.getTime(), r.wh);

  const stored = new Map<number, number>();
  for (const run of frozenRuns(series, input.intervalMinutes * 60_000, input.thresholds.frozenIntervals)) {
    for (const atMs of run) {
      const flags = fresh.get(atMs);
      if (flags !== undefined) {
        fresh.set(atMs, flags | QualityFlags.frozen);
      } else {
        const before = storedAt.get(atMs)!.flags;
        if ((before & QualityFlags.frozen) === 0) stored.set(atMs, before | QualityFlags.frozen);
      }
    }
  }
  return { fresh, stored };
}

/** A reading above k × p99, once the baseline rests on enough readings; a p99 of 0 flags nothing. */
export function isSpike(wh: number, baseline: SpikeBaseline | null, thresholds: FlagThresholds): boolean {
  if (!baseline || baseline.sample < thresholds.spikeMinSample || baseline.p99Wh <= 0) return false;
  return wh > thresholds.spikeFactor * baseline.p99Wh;
}

/**
 * Runs of the same non-zero Wh over consecutive intervals (no gap between them), `minLength` long
 * or longer; each run as the epoch ms of its readings. Zero never freezes: a meter with no load
 * reads 0 for hours, rightly.
 */
export function frozenRuns(
  series: ReadonlyMap<number, number>,
  intervalMs: number,
  minLength: number,
): number[][] {
  const instants = [...series.keys()].sort((a, b) => a - b);
  const runs: number[][] = [];
  let run: number[] = [];
  const close = () => {
    if (run.length >= minLength) runs.push(run);
    run = [];
  };
  for (const atMs of instants) {
    const wh = series.get(atMs)!;
    const previous = run[run.length - 1];
    const continues = previous !== undefined && atMs - previous === intervalMs && series.get(previous) === wh;
    if (!continues) close();
    if (wh !== 0) run.push(atMs);
  }
  close();
  return runs;
}

/** The p99 as the read model computes it (nearest rank, `percentile_disc`), for tests and docs. */
export function p99(values: readonly number[]): SpikeBaseline {
  if (values.length === 0) return { p99Wh: 0, sample: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { p99Wh: sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)], sample: values.length };
}
