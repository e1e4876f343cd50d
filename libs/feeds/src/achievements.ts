import { AchievementEarnedEvent, FeedsEventTypes } from '@voltstream/contracts';

export const AchievementCodes = {
  firstCourseCompleted: 'FIRST_COURSE_COMPLETED',
  fiveLessonsInAWeek: 'FIVE_LESSONS_IN_A_WEEK',
  firstInvoicePaid: 'FIRST_INVOICE_PAID',
  lowerConsumptionMonth: 'LOWER_CONSUMPTION_MONTH',
} as const;
export type AchievementCode = (typeof AchievementCodes)[keyof typeof AchievementCodes];

export const ACHIEVEMENT_TITLES: Readonly<Record<AchievementCode, string>> = {
  FIRST_COURSE_COMPLETED: 'First course completed',
  FIVE_LESSONS_IN_A_WEEK: 'Five lessons in a week',
  FIRST_INVOICE_PAID: 'First invoice paid',
  LOWER_CONSUMPTION_MONTH: 'A month of lower consumption',
};

export const LESSONS_IN_A_WEEK = 5;
/** A month counts as lower when it used at least this many percent less than the month before. */
export const LOWER_CONSUMPTION_PERCENT = 10;
/** A rolling week is the half-open span [t, t + 7 × 24 h). */
export const ROLLING_WEEK_MS = 7 * 24 * 3_600_000;

/** One whole month of a user's consumption, closed in the meter's time zone. */
export interface MonthlyConsumption {
  /** `YYYY-MM`. */
  month: string;
  wh: number;
  closedAt: Date;
}

/** What the projections know about a user; every list may come in any order. */
export interface UserFacts {
  courseCompletedAt: readonly Date[];
  lessonCompletedAt: readonly Date[];
  /** When an invoice of the user became PAID (billing.PaymentSucceeded with invoiceStatus PAID). */
  invoicePaidAt: readonly Date[];
  monthlyConsumption?: readonly MonthlyConsumption[];
}

export interface Achievement {
  code: AchievementCode;
  title: string;
  /** The moment the rule first held, so that evaluating the same facts again gives the same answer. */
  earnedAt: Date;
}

const RULES: Readonly<Record<AchievementCode, (facts: UserFacts) => Date | null>> = {
  FIRST_COURSE_COMPLETED: (facts) => earliest(facts.courseCompletedAt),
  FIVE_LESSONS_IN_A_WEEK: (facts) => fiveLessonsInAWeek(facts.lessonCompletedAt),
  FIRST_INVOICE_PAID: (facts) => earliest(facts.invoicePaidAt),
  LOWER_CONSUMPTION_MONTH: (facts) => lowerConsumptionMonth(facts.monthlyConsumption ?? []),
};

/** Achievements the facts earn that are not in `alreadyEarned`, oldest first: each is awarded once. */
export function achievementsEarned(facts: UserFacts, alreadyEarned: Iterable<string>): Achievement[] {
  const earned = new Set(alreadyEarned);
  const awarded: Achievement[] = [];
  for (const code of Object.keys(RULES) as AchievementCode[]) {
    if (earned.has(code)) continue;
    const earnedAt = RULES[code](facts);
    if (earnedAt) awarded.push({ code, title: ACHIEVEMENT_TITLES[code], earnedAt });
  }
  return awarded.sort((a, b) => a.earnedAt.getTime() - b.earnedAt.getTime() || a.code.localeCompare(b.code));
}

export interface EvaluateAchievements {
  type: 'EvaluateAchievements';
  userId: string;
  facts: UserFacts;
  alreadyEarned: Iterable<string>;
}

export function decideAchievements(command: EvaluateAchievements): AchievementEarnedEvent[] {
  return achievementsEarned(command.facts, command.alreadyEarned).map((achievement) => ({
    type: FeedsEventTypes.AchievementEarned,
    schemaVersion: 1,
    payload: {
      userId: command.userId,
      code: achievement.code,
      title: achievement.title,
      earnedAt: achievement.earnedAt.toISOString(),
    },
  }));
}

function earliest(dates: readonly Date[]): Date | null {
  const times = dates.map((date) => date.getTime()).sort((a, b) => a - b);
  return times.length > 0 ? new Date(times[0]) : null;
}

/** The first completion that makes five within one rolling week (first and fifth < 7 days apart). */
function fiveLessonsInAWeek(dates: readonly Date[]): Date | null {
  const times = dates.map((date) => date.getTime()).sort((a, b) => a - b);
  for (let i = LESSONS_IN_A_WEEK - 1; i < times.length; i += 1) {
    if (times[i] - times[i - (LESSONS_IN_A_WEEK - 1)] < ROLLING_WEEK_MS) return new Date(times[i]);
  }
  return null;
}

/** The first closed month that used at least 10 % less energy than the calendar month before it. */
function lowerConsumptionMonth(months: readonly MonthlyConsumption[]): Date | null {
  const byMonth = new Map(months.map((month) => [month.month, month]));
  const closes = months
    .filter((month) => {
      const previous = byMonth.get(previousMonth(month.month));
      // In integers: wh ≤ 90 % of the month before, exactly.
      return (
        previous !== undefined &&
        previous.wh > 0 &&
        month.wh * 100 <= previous.wh * (100 - LOWER_CONSUMPTION_PERCENT)
      );
    })
    .map((month) => month.closedAt);
  return earliest(closes);
}

function previousMonth(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) throw new RangeError(`not a YYYY-MM month: ${month}`);
  const index = Number(match[1]) * 12 + Number(match[2]) - 2;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}
