import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { achievementEarnedV1 } from '@voltstream/contracts';
import { achievementsEarned, decideAchievements, ROLLING_WEEK_MS, UserFacts } from './achievements';

const none: UserFacts = { courseCompletedAt: [], lessonCompletedAt: [], invoicePaidAt: [] };
const t0 = Date.parse('2026-07-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms);
const HOUR = 3_600_000;
const codes = (facts: Partial<UserFacts>, already: string[] = []) =>
  achievementsEarned({ ...none, ...facts }, already).map((achievement) => achievement.code);
/** Five completions spread evenly from t0 over `spanMs`. */
const fiveOver = (spanMs: number) => [0, 1, 2, 3, 4].map((i) => at((spanMs * i) / 4));

describe('achievements', () => {
  it('awards nothing for no facts', () => {
    assert.deepEqual(achievementsEarned(none, []), []);
  });

  it('awards the first completed course at the earliest completion', () => {
    const [first] = achievementsEarned({ ...none, courseCompletedAt: [at(5 * HOUR), at(HOUR)] }, []);
    assert.deepEqual(first, {
      code: 'FIRST_COURSE_COMPLETED',
      title: 'First course completed',
      earnedAt: at(HOUR),
    });
  });

  it('awards the first paid invoice', () => {
    assert.deepEqual(codes({ invoicePaidAt: [at(0)] }), ['FIRST_INVOICE_PAID']);
  });

  it('awards each achievement once: what is already earned is not awarded again', () => {
    const facts = { courseCompletedAt: [at(0)], invoicePaidAt: [at(HOUR)] };
    assert.deepEqual(codes(facts), ['FIRST_COURSE_COMPLETED', 'FIRST_INVOICE_PAID']);
    assert.deepEqual(codes(facts, ['FIRST_COURSE_COMPLETED']), ['FIRST_INVOICE_PAID']);
    assert.deepEqual(codes({ ...facts, courseCompletedAt: [at(0), at(9 * HOUR)] }, codes(facts)), []);
  });

  it('turns new achievements into AchievementEarned events', () => {
    const events = decideAchievements({
      type: 'EvaluateAchievements',
      userId: 'a8000000-0000-4000-8000-000000000001',
      facts: { ...none, courseCompletedAt: [at(0)] },
      alreadyEarned: new Set(['FIRST_INVOICE_PAID']),
    });
    assert.equal(events.length, 1);
    assert.deepEqual(achievementEarnedV1(events[0].payload, 'payload'), {
      userId: 'a8000000-0000-4000-8000-000000000001',
      code: 'FIRST_COURSE_COMPLETED',
      title: 'First course completed',
      earnedAt: '2026-07-01T00:00:00.000Z',
    });
  });
});

describe('five lessons in a rolling week', () => {
  it('awards five completions whose first and last are a millisecond under seven days apart', () => {
    const [earned] = achievementsEarned({ ...none, lessonCompletedAt: fiveOver(ROLLING_WEEK_MS - 1) }, []);
    assert.deepEqual([earned.code, earned.earnedAt], ['FIVE_LESSONS_IN_A_WEEK', at(ROLLING_WEEK_MS - 1)]);
  });

  it('does not award five completions exactly seven days apart, nor four', () => {
    assert.deepEqual(codes({ lessonCompletedAt: fiveOver(ROLLING_WEEK_MS) }), []);
    assert.deepEqual(codes({ lessonCompletedAt: fiveOver(HOUR).slice(1) }), []);
  });

  it('finds the window anywhere in the history, in any order, and dates it by its fifth completion', () => {
    const spread = [0, 8, 16, 24].map((day) => at(day * 24 * HOUR));
    const burst = [30, 31, 32, 33, 34].map((day) => at(day * 24 * HOUR));
    assert.deepEqual(codes({ lessonCompletedAt: spread }), []);
    const [earned] = achievementsEarned({ ...none, lessonCompletedAt: [...burst, ...spread].reverse() }, []);
    assert.deepEqual(earned.earnedAt, at(34 * 24 * HOUR));
  });

  it('counts two completions at the same instant as two', () => {
    assert.deepEqual(codes({ lessonCompletedAt: [at(0), at(0), at(0), at(HOUR), at(HOUR)] }), [
      'FIVE_LESSONS_IN_A_WEEK',
    ]);
  });
});

describe('a month of lower consumption', () => {
  const month = (name: string, wh: number, closedAt: string) => ({
    month: name,
    wh,
    closedAt: new Date(closedAt),
  });

  it('awards the first month that used at least 10 % less than the calendar month before it', () => {
    const monthlyConsumption = [
      month('2025-11', 310_000, '2025-12-01T00:00:00Z'),
      month('2025-12', 300_000, '2026-01-01T00:00:00Z'),
      month('2026-01', 270_000, '2026-02-01T00:00:00Z'),
      month('2026-03', 100_000, '2026-04-01T00:00:00Z'),
    ];
    const [earned] = achievementsEarned({ ...none, monthlyConsumption }, []);
    assert.deepEqual(
      [earned.code, earned.earnedAt],
      ['LOWER_CONSUMPTION_MONTH', new Date('2026-02-01T00:00:00Z')],
    );
  });

  it('does not award a month a watt-hour short of 10 % less, nor one after a month of nothing', () => {
    const fivePercent = [month('2026-01', 300_000, '2026-02-01Z'), month('2026-02', 285_000, '2026-03-01Z')];
    assert.deepEqual(codes({ monthlyConsumption: fivePercent }), []);
    const justShort = [month('2026-01', 300_000, '2026-02-01Z'), month('2026-02', 270_001, '2026-03-01Z')];
    assert.deepEqual(codes({ monthlyConsumption: justShort }), []);
    const fromZero = [month('2026-01', 0, '2026-02-01Z'), month('2026-02', 0, '2026-03-01Z')];
    assert.deepEqual(codes({ monthlyConsumption: fromZero }), []);
  });

  it('needs the month before: a gap or a rise earns nothing', () => {
    const monthlyConsumption = [
      month('2026-01', 300_000, '2026-02-01T00:00:00Z'),
      month('2026-03', 100_000, '2026-04-01T00:00:00Z'),
      month('2026-04', 120_000, '2026-05-01T00:00:00Z'),
    ];
    assert.deepEqual(codes({ monthlyConsumption }), []);
  });
});
