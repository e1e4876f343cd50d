import {
  TRENDING_GENERATION_HALF_LIVES,
  TRENDING_GENESIS,
  TRENDING_HALF_LIFE_HOURS,
  TrendSignal,
  trendingEpoch,
  trendingScoreIncrement,
  TrendWindow,
  TrendWindows,
} from '@voltstream/feeds';
import { Queryable } from '@voltstream/platform';

const generationMs = (window: TrendWindow): number =>
  TRENDING_GENERATION_HALF_LIVES * TRENDING_HALF_LIFE_HOURS[window] * 3_600_000;

/** The number of the trending generation (32 half-lives from TRENDING_GENESIS) that holds `at`. */
export const trendGeneration = (at: Date, window: TrendWindow): number =>
  Math.round((trendingEpoch(at, window).getTime() - TRENDING_GENESIS.getTime()) / generationMs(window));

/** The start of a generation, the epoch its scores are relative to. */
export const generationEpoch = (generation: number, window: TrendWindow): Date =>
  new Date(TRENDING_GENESIS.getTime() + generation * generationMs(window));

/**
 * Adds enrollments and course completions to the courses' trend scores, in the projection's
 * transaction. Each signal adds libs/feeds' trendingScoreIncrement relative to its own
 * generation's epoch, as an exact decimal; a course's row keeps the sums of the newest
 * generation it has seen and of the one before (older ones have decayed by 2^-64 or more).
 * The result depends only on which signals were added, never on their order.
 */
export async function addTrendSignals(tx: Queryable, signals: readonly TrendSignal[]): Promise<void> {
  if (signals.length === 0) return;
  const rows = signals.flatMap((signal) =>
    TrendWindows.map((window) => ({
      window,
      courseId: signal.courseId,
      generation: trendGeneration(signal.at, window),
      // A double's shortest round-trip text: the same decimal on every replay.
      increment: String(trendingScoreIncrement(signal.at, signal.weight, window)),
    })),
  );
  await tx.query(
    `WITH signal AS (
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::numeric[]) AS s(w, course_id, g, inc)),
     newest AS (SELECT w, course_id, max(g) AS g FROM signal GROUP BY w, course_id),
     batch AS (
       SELECT n.w, n.course_id, n.g,
         coalesce(sum(s.inc) FILTER (WHERE s.g = n.g), 0) AS cur,
         coalesce(sum(s.inc) FILTER (WHERE s.g = n.g - 1), 0) AS prev
       FROM newest n JOIN signal s USING (w, course_id) GROUP BY n.w, n.course_id, n.g
       ORDER BY n.w, n.course_id)
     INSERT INTO course_trend AS t (trend_window, course_id, generation, current_score, previous_score)
     SELECT w, course_id, g, cur, prev FROM batch
     ON CONFLICT (trend_window, course_id) DO UPDATE SET
       generation = GREATEST(t.generation, EXCLUDED.generation),
       current_score = CASE
         WHEN EXCLUDED.generation = t.generation THEN t.current_score + EXCLUDED.current_score
         WHEN EXCLUDED.generation > t.generation THEN EXCLUDED.current_score
         ELSE t.current_score END,
       previous_score = CASE
         WHEN EXCLUDED.generation = t.generation THEN t.previous_score + EXCLUDED.previous_score
         WHEN EXCLUDED.generation = t.generation + 1 THEN t.current_score + EXCLUDED.previous_score
         WHEN EXCLUDED.generation > t.generation + 1 THEN EXCLUDED.previous_score
         WHEN EXCLUDED.generation = t.generation - 1 THEN t.previous_score + EXCLUDED.current_score
         ELSE t.previous_score END`,
    [
      rows.map((r) => r.window),
      rows.map((r) => r.courseId),
      rows.map((r) => r.generation),
      rows.map((r) => r.increment),
    ],
  );
}
