import { decideFlags, Reading, thresholdsFor, VeeThresholds } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';
import { baselineDay, CachedBaseline, FlagScope, spikeBaselines, storedAround } from './flag-context';
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
 * Applies a batch's measured readings with their flags, in a fixed number of statements for the
 * whole batch: the stored neighbours a frozen run can reach are read first; plain readings are
 * inserted (unflagged); spike baselines are read per UTC day, so they include the batch's own
 * earlier days; then the rules decide, corrections replace their estimates with their flags, and
 * the new readings and stored ones that a new reading joined into a frozen run get their flags.
 * Returns the readings written (for `latest`) and the newest baselines computed (for the meter
 * rows' cache).
 *
 * Approximations (docs/design.md): a reading is judged against the 28 days before its UTC day's
 * start, so readings earlier the same day are not in its baseline; a reading that arrives late,
 * behind readings already stored, is judged against a baseline that may include later readings.
 */
export async function applyMeasured(
  tx: Queryable,
  measured: ReadonlyMap<string, MeasuredReading[]>,
  meters: ReadonlyMap<string, MeterFlagState>,
  vee: VeeThresholds,
  changes: ChangesByMeter,
): Promise<{ inserted: Map<string, Reading[]>; baselines: Map<string, CachedBaseline> }> {
  const scopes: FlagScope[] = [];
  const plain = new Map<string, FlaggedReading[]>();
  for (const [meterId, list] of measured) {
    if (list.length === 0) continue;
    const meter = meters.get(meterId)!;
    // A loop, not Math.min(...): a rebuild's batch can hold more readings than call arguments.
    let first = Infinity;
    let last = -Infinity;
    for (const r of list) {
      first = Math.min(first, r.at.getTime());
      last = Math.max(last, r.at.getTime());
    }
    const reach =
      (thresholdsFor(vee, meter.intervalMinutes).frozenIntervals - 1) * meter.intervalMinutes * 60_000;
    scopes.push({
      meterId,
      first: new Date(first),
      last: new Date(last),
      reachMs: reach,
    });
    const unflagged = list.filter((r) => !r.replacesEstimate).map((r) => ({ at: r.at, wh: r.wh, flags: 0 }));
    if (unflagged.length > 0) plain.set(meterId, unflagged);
  }
  const stored = await storedAround(tx, scopes);
  const inserted = await insertReadings(tx, plain, changes);
  const cached = new Map([...meters].map(([id, m]) => [id, m.baseline]));
  const { baselines, computed } = await spikeBaselines(
    tx,
    scopes.map(({ meterId }) => ({
      meterId,
      days: new Set(measured.get(meterId)!.map((r) => baselineDay(r.at))),
    })),
    cached,
  );

  const replacing = new Map<string, FlaggedReading[]>();
  const reflags = new Map<string, Reflag[]>();
  for (const { meterId } of scopes) {
    const meter = meters.get(meterId)!;
    const neighbours = stored.get(meterId) ?? [];
    const decision = decideFlags({
      intervalMinutes: meter.intervalMinutes,
      stored: neighbours,
      fresh: measured.get(meterId)!,
      baselineFor: (at) => baselines.get(`${meterId}|${baselineDay(at)}`) ?? null,
      thresholds: thresholdsFor(vee, meter.intervalMinutes),
    });
    const before = new Map(neighbours.map((r) => [r.at.getTime(), r.flags]));
    const flagged: Reflag[] = [...decision.stored].map(([atMs, after]) => ({
      at: new Date(atMs),
      before: before.get(atMs)!,
      after,
    }));
    const insertedAt = new Set((inserted.get(meterId) ?? []).map((r) => r.at.getTime()));
    for (const r of measured.get(meterId)!) {
      const flags = decision.fresh.get(r.at.getTime());
      // No decision: the interval is already measured (a duplicate), nothing to write.
      if (flags === undefined) continue;
      if (r.replacesEstimate) {
        const list = replacing.get(meterId) ?? [];
        list.push({ at: r.at, wh: r.wh, flags });
        replacing.set(meterId, list);
      } else if (flags !== 0 && insertedAt.has(r.at.getTime())) {
        flagged.push({ at: r.at, before: 0, after: flags });
      }
    }
    reflags.set(meterId, flagged);
  }

  const { replaced, unmatched } = await replaceEstimates(tx, replacing, changes);
  const late = await insertReadings(tx, unmatched, changes);
  for (const source of [late, replaced]) {
    for (const [meterId, list] of source) inserted.set(meterId, [...(inserted.get(meterId) ?? []), ...list]);
  }
  await reflagStored(tx, reflags, changes);
  return { inserted, baselines: computed };
}
