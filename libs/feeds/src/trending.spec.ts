import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseFeedsEvent } from '@voltstream/contracts';
import {
  decayedFromIncremental,
  decayedScore,
  TRENDING_HALF_LIFE_HOURS,
  trendingEpoch,
  trendingPruneBelow,
  trendingRebaseFactor,
  trendingScoreIncrement,
  TrendWindow,
  trendSignalOf,
  WeightedAt,
} from './trending';

const HOUR = 3_600_000;
const now = new Date('2026-07-01T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * HOUR);
const closeTo = (actual: number, expected: number, relative = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${actual} ≉ ${expected}`);

describe('decayed score', () => {
  it('counts a signal fully now, half after one half-life, a quarter after two', () => {
    assert.equal(decayedScore([{ at: now, weight: 3 }], now, 6), 3);
    assert.equal(decayedScore([{ at: hoursAgo(6), weight: 1 }], now, 6), 0.5);
    assert.equal(decayedScore([{ at: hoursAgo(96), weight: 1 }], now, 48), 0.25);
    assert.equal(decayedScore([], now, 6), 0);
    assert.throws(() => decayedScore([], now, 0), RangeError);
  });

  it('weighs an enrollment 1 and a course completion 3; other events do not trend', () => {
    const course = 'aa000000-0000-4000-8000-000000000001';
    const user = 'aa000000-0000-4000-8000-000000000002';
    const at = '2026-07-01T09:00:00.000Z';
    const enrolled = parseFeedsEvent('feeds.Enrolled', 1, {
      courseId: course,
      userId: user,
      totalLessons: 1,
      enrolledAt: at,
    });
    const completed = parseFeedsEvent('feeds.CourseCompleted', 1, {
      courseId: course,
      userId: user,
      totalLessons: 1,
      completedAt: at,
    });
    const followed = parseFeedsEvent('feeds.Followed', 1, {
      followerId: user,
      followeeId: course,
      followedAt: at,
    });
    assert.deepEqual(trendSignalOf(enrolled), { courseId: course, at: new Date(at), weight: 1 });
    assert.deepEqual(trendSignalOf(completed), { courseId: course, at: new Date(at), weight: 3 });
    assert.equal(trendSignalOf(followed), null);
  });
});

describe('incremental trending score', () => {
  it('uses a 6 hour half-life for DAY and 48 hours for WEEK', () => {
    const epoch = trendingEpoch(now, 'DAY');
    const later = new Date(epoch.getTime() + 6 * HOUR);
    assert.equal(trendingScoreIncrement(later, 1, 'DAY', epoch), 2);
    assert.equal(trendingScoreIncrement(later, 3, 'WEEK', epoch), 3 * 2 ** (1 / 8));
    assert.deepEqual(TRENDING_HALF_LIFE_HOURS, { DAY: 6, WEEK: 48 });
  });

  it('starts a generation every 32 half-lives and keeps increments within weight × 2^32', () => {
    for (const window of ['DAY', 'WEEK'] as const) {
      const epoch = trendingEpoch(now, window);
      const span = 32 * TRENDING_HALF_LIFE_HOURS[window] * HOUR;
      assert.ok(epoch.getTime() <= now.getTime() && now.getTime() < epoch.getTime() + span);
      assert.deepEqual(trendingEpoch(new Date(epoch.getTime() + span - 1), window), epoch);
      assert.ok(trendingScoreIncrement(new Date(epoch.getTime() + span - 1), 3, window) < 3 * 2 ** 32);
    }
  });

  it('rebases a score to the next generation as if it had been counted there', () => {
    const from = trendingEpoch(now, 'DAY');
    const to = new Date(from.getTime() + 32 * 6 * HOUR);
    const score =
      trendingScoreIncrement(hoursAgo(5), 1, 'DAY', from) + trendingScoreIncrement(now, 3, 'DAY', from);
    const there =
      trendingScoreIncrement(hoursAgo(5), 1, 'DAY', to) + trendingScoreIncrement(now, 3, 'DAY', to);
    closeTo(score * trendingRebaseFactor(from, to, 'DAY'), there);
  });

  it('prunes exactly the scores that have decayed below the floor', () => {
    const epoch = trendingEpoch(now, 'WEEK');
    const floor = trendingPruneBelow(epoch, now, 'WEEK', 0.01);
    closeTo(decayedFromIncremental(floor, epoch, now, 'WEEK'), 0.01);
  });

  const windowArb = fc.constantFrom<TrendWindow>('DAY', 'WEEK');
  const scenarioArb = windowArb.chain((window) => {
    const span = 32 * TRENDING_HALF_LIFE_HOURS[window] * HOUR;
    const instant = fc.integer({ min: -span, max: span });
    const signal = fc.record({
      course: fc.integer({ min: 0, max: 5 }),
      offset: instant,
      weight: fc.constantFrom(1, 3),
    });
    return fc.record({
      window: fc.constant(window),
      signals: fc.array(signal, { minLength: 1, maxLength: 40 }),
      nowOffset: instant,
    });
  });

  it('orders courses exactly as the decayed score does, at any now', () => {
    fc.assert(
      fc.property(scenarioArb, ({ window, signals, nowOffset }) => {
        const epoch = trendingEpoch(now, window);
        const at = (offset: number) => new Date(epoch.getTime() + offset);
        const evaluatedAt = at(nowOffset);
        const byCourse = new Map<number, WeightedAt[]>();
        for (const { course, offset, weight } of signals) {
          byCourse.set(course, [...(byCourse.get(course) ?? []), { at: at(offset), weight }]);
        }
        const scores = [...byCourse.entries()].map(([course, events]) => ({
          course,
          decayed: decayedScore(events, evaluatedAt, TRENDING_HALF_LIFE_HOURS[window]),
          incremental: events.reduce(
            (sum, e) => sum + trendingScoreIncrement(e.at, e.weight, window, epoch),
            0,
          ),
        }));
        for (const { decayed, incremental } of scores) {
          closeTo(decayedFromIncremental(incremental, epoch, evaluatedAt, window), decayed, 1e-9);
        }
        // Sorting by one score must leave the other in order too (equal up to float rounding).
        const byIncremental = [...scores].sort((a, b) => b.incremental - a.incremental);
        byIncremental
          .slice(1)
          .forEach((next, i) =>
            assert.ok(byIncremental[i].decayed >= next.decayed * (1 - 1e-9), 'decayed order broken'),
          );
        const byDecayed = [...scores].sort((a, b) => b.decayed - a.decayed);
        byDecayed
          .slice(1)
          .forEach((next, i) =>
            assert.ok(byDecayed[i].incremental >= next.incremental * (1 - 1e-9), 'incremental order broken'),
          );
        const separated = byDecayed
          .slice(1)
          .every((next, i) => byDecayed[i].decayed > next.decayed * (1 + 1e-9));
        if (separated) {
          assert.deepEqual(
            byIncremental.map((score) => score.course),
            byDecayed.map((score) => score.course),
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
