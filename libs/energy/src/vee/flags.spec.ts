import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideFlags, FlagThresholds, p99, QualityFlags } from './flags';
import { DEFAULT_VEE_THRESHOLDS, parsePerInterval, isFrozenRunLength, thresholdsFor } from './thresholds';

const thresholds: FlagThresholds = { frozenIntervals: 4, spikeFactor: 10, spikeMinSample: 96 };
const t0 = Date.parse('2026-11-02T00:00:00Z');
const at = (i: number) => new Date(t0 + i * 900_000);
const series = (from: number, whs: number[]) => whs.map((wh, i) => ({ at: at(from + i), wh }));
const stored = (from: number, whs: number[], flags = 0) => series(from, whs).map((r) => ({ ...r, flags }));
const flagsOf = (decision: Map<number, number>) =>
  [...decision.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
const baseline = { p99Wh: 100, sample: 96 };

describe('frozen register', () => {
  it('flags every reading of a run of N equal non-zero readings, and the rest of the run', () => {
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: series(0, [5, 7, 7, 7, 7, 7, 8]),
      baselineFor: () => null,
      thresholds,
    });
    const F = QualityFlags.frozen;
    assert.deepEqual(flagsOf(fresh), [0, F, F, F, F, F, 0]);
  });

  it('does not flag a run one short of N', () => {
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: series(0, [7, 7, 7, 8]),
      baselineFor: () => null,
      thresholds,
    });
    assert.deepEqual(flagsOf(fresh), [0, 0, 0, 0]);
  });

  it('never calls zeros frozen: no load reads 0 for hours, rightly', () => {
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: series(0, new Array<number>(20).fill(0)),
      baselineFor: () => null,
      thresholds,
    });
    assert.deepEqual(flagsOf(fresh), new Array<number>(20).fill(0));
  });

  it('breaks a run at a missing interval', () => {
    const readings = [...series(0, [7, 7]), ...series(3, [7, 7])];
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: readings,
      baselineFor: () => null,
      thresholds,
    });
    assert.deepEqual(flagsOf(fresh), [0, 0, 0, 0]);
  });

  it('sees a run that continues across two batches and flags the stored part too', () => {
    const { fresh, stored: reflagged } = decideFlags({
      intervalMinutes: 15,
      stored: stored(0, [3, 7, 7]),
      fresh: series(3, [7, 7, 9]),
      baselineFor: () => null,
      thresholds,
    });
    const F = QualityFlags.frozen;
    assert.deepEqual(flagsOf(fresh), [F, F, 0]);
    assert.deepEqual(
      [...reflagged.entries()],
      [
        [at(1).getTime(), F],
        [at(2).getTime(), F],
      ],
    );
  });

  it('does not flag stored readings again that are frozen already, and keeps their other flags', () => {
    const F = QualityFlags.frozen;
    const { stored: reflagged } = decideFlags({
      intervalMinutes: 15,
      stored: [...stored(0, [7, 7, 7], F), { at: at(3), wh: 7, flags: QualityFlags.spike }],
      fresh: series(4, [7]),
      baselineFor: () => null,
      thresholds,
    });
    assert.deepEqual([...reflagged.entries()], [[at(3).getTime(), F | QualityFlags.spike]]);
  });

  it('gives no flags to a reading already stored (a duplicate)', () => {
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: stored(0, [7]),
      fresh: series(0, [7]),
      baselineFor: () => baseline,
      thresholds,
    });
    assert.equal(fresh.size, 0);
  });
});

describe('spike', () => {
  it('flags a reading above k × p99 and not one at it', () => {
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: series(0, [1000, 1001]),
      baselineFor: () => baseline,
      thresholds,
    });
    assert.deepEqual(flagsOf(fresh), [0, QualityFlags.spike]);
  });

  it('flags nothing while the baseline rests on too small a sample', () => {
    const small = { p99Wh: 100, sample: 95 };
    const { fresh } = decideFlags({
      intervalMinutes: 15,
      stored: [],
      fresh: series(0, [50_000]),
      baselineFor: () => small,
      thresholds,
    });
    assert.deepEqual(flagsOf(fresh), [0]);
  });

  it('flags nothing against a p99 of 0 or without a baseline', () => {
    for (const b of [{ p99Wh: 0, sample: 500 }, null]) {
      const { fresh } = decideFlags({
        intervalMinutes: 15,
        stored: [],
        fresh: series(0, [5]),
        baselineFor: () => b,
        thresholds,
      });
      assert.deepEqual(flagsOf(fresh), [0]);
    }
  });

  it('takes the p99 by nearest rank', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    assert.deepEqual(p99(values), { p99Wh: 198, sample: 200 });
  });
});

describe('thresholds', () => {
  it('reads one value per interval length, or one for all, and refuses gaps and junk', () => {
    assert.equal(thresholdsFor(DEFAULT_VEE_THRESHOLDS, 60).frozenIntervals, 6);
    assert.equal(thresholdsFor(DEFAULT_VEE_THRESHOLDS, 5).frozenIntervals, 36);
    assert.equal(parsePerInterval('8', isFrozenRunLength).get(30), 8);
    assert.throws(() => parsePerInterval('5:36,10:18', isFrozenRunLength), /no value for 15, 30, 60/);
    assert.throws(() => parsePerInterval('5:1,10:18,15:12,30:8,60:6', isFrozenRunLength), /"5:1"/);
    assert.throws(() => parsePerInterval('7:3', isFrozenRunLength), /interval length/);
  });
});
