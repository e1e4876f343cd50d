import { decayedFromIncremental, trendingPruneBelow, TrendWindow } from '@voltstream/feeds';
import { Queryable, queryPrepared } from '@voltstream/platform';
import { generationEpoch, trendGeneration } from '../projection/trend-writes';

export const DEFAULT_TRENDING = 10;

/**
 * The ids of the `first` courses with the highest decayed score at `now`, highest first. Scores
 * of the current generation and of the one before are on different scales: each is read
 * highest first by index (skipping what decayed under 0.01), then both are compared decayed.
 */
export async function trendingCourseIds(
  db: Queryable,
  window: TrendWindow,
  first: number,
  now: Date,
): Promise<string[]> {
  const current = trendGeneration(now, window);
  const floor = (generation: number) => trendingPruneBelow(generationEpoch(generation, window), now, window);
  const rows = await queryPrepared<{ course_id: string; generation: number; score: number }>(
    db,
    `(SELECT course_id::text AS course_id, generation, score FROM course_trend
      WHERE trend_window = $1 AND generation = $2 AND score >= $3
      ORDER BY score DESC, course_id LIMIT $5)
     UNION ALL
     (SELECT course_id::text AS course_id, generation, score FROM course_trend
      WHERE trend_window = $1 AND generation = $2 - 1 AND score >= $4
      ORDER BY score DESC, course_id LIMIT $5)`,
    [window, current, floor(current), floor(current - 1), first],
  );
  return rows
    .map((row) => ({
      id: row.course_id,
      decayed: decayedFromIncremental(row.score, generationEpoch(row.generation, window), now, window),
    }))
    .sort((a, b) => b.decayed - a.decayed || (a.id < b.id ? -1 : 1))
    .slice(0, first)
    .map((row) => row.id);
}
