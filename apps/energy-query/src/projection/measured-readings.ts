import { decideFlags, Reading, thresholdsFor, VeeThresholds } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';
import { CachedBaseline, FlagScope, spikeBaselines, storedAround } from './flag-context';
import {
  ChangesByMeter,
  FlaggedReading,
  insertReadings,
  Reflag,
  reflagStored,
  replaceEstimates,
} from './interval-writes';

/** A measured reading from ReadingsRecorded; `replacesEstimate` when the write side says it corrects one. */
export type MeasuredReading = Reading & { replacesEstimate: boolean };

export interface MeterFlagState {
  intervalMinutes: number;
  /** The spike baseline the meter row caches, if any. */
  baseline: CachedBaseline | null;
}

/**
 * Applies a batch's measured readings with their flags: the context the flag rules need (stored
 * neighbours and spike baselines) is read in at most two queries for the whole batch; then
 * corrections replace their estimates, new readings are inserted, and stored readings that a new
 * one joined into a frozen run are flagged too. Returns the readings written (for `latest`) and
 * the baselines computed (for the meter rows' cache).
 *
 * Flags are decided per batch, which makes two approximations (docs/design.md): a batch's spikes
 * are judged against the p99 of the 28 days before the UTC day of its earliest reading, and a
 * reading that arrives late (before readings already stored) is judged against a baseline that
 * may include readings after it.
 */
export async function applyMeasured(
  tx: Queryable,
  measured: ReadonlyMap<string, MeasuredReading[]>,
  meters: ReadonlyMap<string, MeterFlagState>,
  vee: VeeThresholds,
  changes: ChangesByMeter,
): Promise<{ inserted: Map<string, Reading[]>; baselines: Map<string, CachedBaseline> }> {
  const scopes: FlagScope[] = [];
  for (const [meterId, list] of measured) {
    if (list.length === 0) continue;
    const meter = meters.get(meterId)!;
    const times = list.map((r) => r.at.getTime());
    const reach =
      (thresholdsFor(vee, meter.intervalMinutes).frozenIntervals - 1) * meter.intervalMinutes * 60_000;
    scopes.push({
      meterId,
      first: new Date(Math.min(...times)),
      last: new Date(Math.max(...times)),
      reachMs: reach,
    });
  }
  const stored = await storedAround(tx, scopes);
  const cached = new Map([...meters].map(([id, m]) => [id, m.baseline]));
  const { baselines, computed } = await spikeBaselines(tx, scopes, cached);

  const replacing = new Map<string, FlaggedReading[]>();
  const plain = new Map<string, FlaggedReading[]>();
  const reflags = new Map<string, Reflag[]>();
  for (const { meterId } of scopes) {
    const meter = meters.get(meterId)!;
    const neighbours = stored.get(meterId) ?? [];
    const decision = decideFlags({
      intervalMinutes: meter.intervalMinutes,
      stored: neighbours,
      fresh: measured.get(meterId)!,
      baseline: baselines.get(meterId) ?? null,
      thresholds: thresholdsFor(vee, meter.intervalMinutes),
    });
    for (const r of measured.get(meterId)!) {
      const flags = decision.fresh.get(r.at.getTime());
      // No decision: the interval is already measured (a duplicate), nothing to write.
      if (flags === undefined) continue;
      const target = r.replacesEstimate ? replacing : plain;
      const list = target.get(meterId) ?? [];
      list.push({ at: r.at, wh: r.wh, flags });
      target.set(meterId, list);
    }
    const before = new Map(neighbours.map((r) => [r.at.getTime(), r.flags]));
    reflags.set(
      meterId,
      [...decision.stored].map(([atMs, after]) => ({ at: new Date(atMs), before: before.get(atMs)!, after })),
    );
  }

  const { replaced, unmatched } = await replaceEstimates(tx, replacing, changes);
  for (const [meterId, list] of unmatched) plain.set(meterId, [...(plain.get(meterId) ?? []), ...list]);
  const inserted = await insertReadings(tx, plain, changes);
  for (const [meterId, list] of replaced) inserted.set(meterId, [...(inserted.get(meterId) ?? []), ...list]);
  await reflagStored(tx, reflags, changes);
  return { inserted, baselines: computed };
}
