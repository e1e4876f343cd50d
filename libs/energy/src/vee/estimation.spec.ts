import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StoredInterval } from '../readings';
import {
  DEFAULT_ESTIMATION_POLICY,
  estimateGaps,
  EstimationState,
  estimationWindow,
  intervalsEstimated,
  WEEK_MS,
} from './estimation';

const HOUR = 3_600_000;
const policy = DEFAULT_ESTIMATION_POLICY;
const ms = (iso: string) => Date.parse(iso);

/** Hourly measured readings ending in (from, to], each `whAt(ms)`, minus the instants in `skip`. */
function history(
  from: string,
  to: string,
  whAt: (at: number) => number,
  stepMs = HOUR,
  skip: (at: number) => boolean = () => false,
): Map<number, StoredInterval> {
  const stored = new Map<number, StoredInterval>();
  for (let at = ms(from) + stepMs; at <= ms(to); at += stepMs) {
    if (!skip(at)) stored.set(at, { wh: whAt(at), estimated: false });
  }
  return stored;
}

/** Window and estimates of one pass over everything due, as an estimator runs it. */
function pass(state: EstimationState, stored: Map<number, StoredInterval>, now: string, minProfileWeeks = 2) {
  const rules = { ...policy, minProfileWeeks };
  const window = estimationWindow(state, new Date(now), rules, 100_000);
  return window ? estimateGaps(window, state.intervalMinutes, stored, rules) : [];
}

const stateOf = (stored: Map<number, StoredInterval>, intervalMinutes = 60): EstimationState => {
  const measured = [...stored].filter(([, v]) => !v.estimated).map(([at]) => at);
  return {
    intervalMinutes,
    firstMeasuredAt: new Date(Math.min(...measured)),
    lastMeasuredAt: new Date(Math.max(...measured)),
    checkedThrough: null,
  };
};

// Three weeks of hourly history (from Mon 2 Nov 2026) with a one-day gap on 20 Nov.
const weekOf = (at: number) => Math.floor((at - ms('2026-11-02T00:00:00Z')) / WEEK_MS);
const whAt = (at: number) => 100 + new Date(at).getUTCHours() + 10 * weekOf(at);
const gapDay = (at: number) => at > ms('2026-11-20T00:00:00Z') && at <= ms('2026-11-21T00:00:00Z');

describe('estimateGaps', () => {
  it('estimates a one-day gap as the rounded mean of the same slot in the weeks before', () => {
    const stored = history('2026-11-02T00:00:00Z', '2026-11-22T00:00:00Z', whAt, HOUR, gapDay);
    const estimates = pass(stateOf(stored), stored, '2026-11-22T04:00:00Z');
    assert.equal(estimates.length, 24);
    // 20 Nov is in week 2; 13 Nov (week 1) and 6 Nov (week 0): mean of +10 and +0 is +5.
    assert.deepEqual(estimates[0], { at: new Date('2026-11-20T01:00:00Z'), wh: 100 + 1 + 5 });
    assert.deepEqual(estimates[23], { at: new Date('2026-11-21T00:00:00Z'), wh: 100 + 0 + 5 });
  });

  it('rounds a mean of n.5 Wh up (Math.round)', () => {
    const t = ms('2026-11-20T01:00:00Z');
    const stored = new Map<number, StoredInterval>([
      [t - 2 * WEEK_MS, { wh: 1, estimated: false }],
      [t - WEEK_MS, { wh: 2, estimated: false }],
      [t + HOUR, { wh: 2, estimated: false }],
    ]);
    const window = { after: new Date(t - HOUR), through: new Date(t) };
    assert.deepEqual(estimateGaps(window, 60, stored, policy), [{ at: new Date(t), wh: 2 }]);
  });

  it('leaves a gap MISSING when the meter has fewer than the minimum weeks of same-slot history', () => {
    const stored = history('2026-11-12T00:00:00Z', '2026-11-22T00:00:00Z', whAt, HOUR, gapDay);
    assert.deepEqual(pass(stateOf(stored), stored, '2026-11-22T04:00:00Z'), []);
    // With one week required, the same data is enough.
    assert.equal(pass(stateOf(stored), stored, '2026-11-22T04:00:00Z', 1).length, 24);
  });

  it('never estimates an interval that holds an estimate, nor builds an estimate on one', () => {
    const stored = history('2026-11-02T00:00:00Z', '2026-11-22T00:00:00Z', whAt, HOUR, gapDay);
    const state = stateOf(stored);
    for (const estimate of pass(state, stored, '2026-11-22T04:00:00Z')) {
      stored.set(estimate.at.getTime(), { wh: estimate.wh, estimated: true });
    }
    assert.deepEqual(pass(state, stored, '2026-11-22T04:00:00Z'), []);
    // A week later the estimated day is the profile's week 1 and weeks 2 and 3 are measured: with
    // three weeks required, a gap there stays MISSING.
    const nextWeek = (at: number) => at > ms('2026-11-27T00:00:00Z') && at <= ms('2026-11-28T00:00:00Z');
    const later = history('2026-11-22T00:00:00Z', '2026-11-29T00:00:00Z', whAt, HOUR, nextWeek);
    for (const [at, value] of later) stored.set(at, value);
    const nextState = { ...state, lastMeasuredAt: new Date(ms('2026-11-29T00:00:00Z')) };
    const next = pass(nextState, stored, '2026-11-29T04:00:00Z', 3);
    assert.deepEqual(next, []);
  });

  it('estimates no further than the trailing cap after the last measured reading', () => {
    // The meter stops on 22 Nov 00:00 and is silent for five days.
    const stored = history('2026-11-02T00:00:00Z', '2026-11-22T00:00:00Z', whAt);
    const estimates = pass(stateOf(stored), stored, '2026-11-27T00:00:00Z');
    assert.equal(estimates.length, 48);
    assert.equal(estimates.at(-1)?.at.toISOString(), '2026-11-24T00:00:00.000Z');
  });

  it('waits out the grace period before an interval counts as a gap', () => {
    const stored = history('2026-11-02T00:00:00Z', '2026-11-22T00:00:00Z', whAt);
    const estimates = pass(stateOf(stored), stored, '2026-11-22T06:30:00Z');
    assert.deepEqual(
      estimates.map((e) => e.at.toISOString()),
      ['2026-11-22T01:00:00.000Z', '2026-11-22T02:00:00.000Z'],
    );
  });

  it('works in the meter own interval length: a 15-minute gap takes the same quarter hour', () => {
    const quarter = 15 * 60_000;
    const gap = (at: number) => at === ms('2026-11-20T10:30:00Z');
    const wh = (at: number) => new Date(at).getUTCMinutes() + 10 * weekOf(at);
    const stored = history('2026-11-02T00:00:00Z', '2026-11-22T00:00:00Z', wh, quarter, gap);
    const estimates = pass(stateOf(stored, 15), stored, '2026-11-22T04:00:00Z');
    assert.deepEqual(estimates, [{ at: new Date('2026-11-20T10:30:00Z'), wh: 30 + 5 }]);
  });
});

describe('estimationWindow', () => {
  const state: EstimationState = {
    intervalMinutes: 60,
    firstMeasuredAt: new Date('2026-11-02T01:00:00Z'),
    lastMeasuredAt: new Date('2026-11-22T00:00:00Z'),
    checkedThrough: null,
  };
  const now = new Date('2026-11-30T00:00:00Z');

  it('starts after the first measured reading and stops at the trailing cap', () => {
    assert.deepEqual(estimationWindow(state, now, policy, 100_000), {
      after: new Date('2026-11-02T01:00:00Z'),
      through: new Date('2026-11-24T00:00:00Z'),
    });
  });

  it('goes on from where the last pass stopped, at most maxIntervals at a time', () => {
    const checked = { ...state, checkedThrough: new Date('2026-11-10T00:00:00Z') };
    assert.deepEqual(estimationWindow(checked, now, policy, 10), {
      after: new Date('2026-11-10T00:00:00Z'),
      through: new Date('2026-11-10T10:00:00Z'),
    });
  });

  it('starts at an interval end when the cursor lies between two', () => {
    const between = { ...state, checkedThrough: new Date('2026-11-10T00:25:00Z') };
    assert.deepEqual(estimationWindow(between, now, policy, 2), {
      after: new Date('2026-11-10T00:00:00Z'),
      through: new Date('2026-11-10T02:00:00Z'),
    });
  });

  it('has nothing due once checked through the cap', () => {
    const done = { ...state, checkedThrough: new Date('2026-11-24T00:00:00Z') };
    assert.equal(estimationWindow(done, now, policy, 100), null);
  });

  it('ends at whole intervals before now minus the grace period', () => {
    const live = { ...state, lastMeasuredAt: new Date('2026-11-29T23:00:00Z') };
    assert.equal(
      estimationWindow(live, new Date('2026-11-30T05:30:00Z'), policy, 100_000)?.through.toISOString(),
      '2026-11-30T01:00:00.000Z',
    );
  });
});

describe('intervalsEstimated', () => {
  it('records estimates as IntervalsEstimated v1 events of at most 1000 intervals, in order', () => {
    const estimates = Array.from({ length: 2500 }, (_, i) => ({
      at: new Date(ms('2026-11-01T00:00:00Z') + i * HOUR),
      wh: i,
    }));
    const events = intervalsEstimated('m-1', estimates);
    assert.deepEqual(
      events.map((e) => [e.type, e.schemaVersion, e.payload.meterId, e.payload.intervals.length]),
      [
        ['energy.IntervalsEstimated', 1, 'm-1', 1000],
        ['energy.IntervalsEstimated', 1, 'm-1', 1000],
        ['energy.IntervalsEstimated', 1, 'm-1', 500],
      ],
    );
    assert.deepEqual(events[2]?.payload.intervals.at(-1), { at: '2027-02-13T03:00:00.000Z', wh: 2499 });
    assert.deepEqual(intervalsEstimated('m-1', []), []);
  });
});
