import { Activity } from '@voltstream/feeds';
import { Queryable } from '@voltstream/platform';
import { FeedRules } from '../config';

/** Who must hear of a new activity: every user whose feed gained it. */
export interface Delivery {
  activity: Activity;
  /** The actor, and every follower: copied into their rows, or read by them at query time. */
  ownerIds: string[];
}

export async function insertActivities(tx: Queryable, activities: readonly Activity[]): Promise<void> {
  if (activities.length === 0) return;
  await tx.query(
    `INSERT INTO activities (id, actor_id, verb, course_id, target_user_id, text, at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::text[], $7::timestamptz[])
     ON CONFLICT (id) DO NOTHING`,
    [
      activities.map((a) => a.activityId),
      activities.map((a) => a.actorId),
      activities.map((a) => a.verb),
      activities.map((a) => a.courseId),
      activities.map((a) => a.targetUserId),
      activities.map((a) => a.text),
      activities.map((a) => a.at.toISOString()),
    ],
  );
}

/** Rows each feed gained (+) or lost (−) in a batch, by owner: what keeps `feed_sizes` exact. */
export class FeedGrowth {
  private readonly rows = new Map<string, number>();

  /** Counts per owner as a statement returns them; `sign` −1 for rows it deleted. */
  add(counts: readonly { owner_id: string; rows: number }[], sign: 1 | -1 = 1): this {
    for (const { owner_id, rows } of counts) {
      const owner = owner_id.toLowerCase();
      this.rows.set(owner, (this.rows.get(owner) ?? 0) + sign * rows);
    }
    return this;
  }

  /** Owners in a fixed (sorted) order, so concurrent batches lock their size rows in one order. */
  changes(): { ownerIds: string[]; deltas: number[] } {
    const owners = [...this.rows].filter(([, delta]) => delta !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
    return { ownerIds: owners.map(([owner]) => owner), deltas: owners.map(([, delta]) => delta) };
  }
}

/**
 * Fan-out on write (libs/feeds fanOutPolicy): an activity goes to its actor's rows, and to each
 * follower's while the actor has at most `fanOutThreshold` followers; above, followers read it
 * at query time. Runs after this batch's follows, so it sees the edges as the batch left them.
 * An activity older than a follow reaches that follower only if a follow's backfill would have
 * copied it (one of the actor's newest `followBackfill`): the feed is then the same whether the
 * follow or the activity was projected first, in one batch or in two.
 */
export async function fanOut(
  tx: Queryable,
  activities: readonly Activity[],
  rules: FeedRules,
  growth: FeedGrowth,
): Promise<Delivery[]> {
  if (activities.length === 0) return [];
  const rows = await tx.query<{ activity_id: string; owner_id: string; copied: boolean }[]>(
    `WITH fresh AS (
       SELECT a.id, a.at, a.actor_id, coalesce(c.follower_count, 0) <= $2 AS fan_out,
         (SELECT count(*) FROM (
            SELECT 1 FROM activities n WHERE n.actor_id = a.actor_id AND (n.at, n.id) > (a.at, a.id)
            LIMIT $3) newer) < $3 AS recent
       FROM activities a LEFT JOIN follow_counts c ON c.user_id = a.actor_id
       WHERE a.id = ANY($1::uuid[])),
     recipient AS (
       SELECT id, at, actor_id, actor_id AS owner_id, true AS stored FROM fresh
       UNION ALL
       SELECT f.id, f.at, f.actor_id, fo.follower_id, f.fan_out
       FROM fresh f JOIN follows fo ON fo.followee_id = f.actor_id
       WHERE fo.followed_at <= f.at OR f.recent),
     copied AS (
       INSERT INTO feed_items (owner_id, at, activity_id, actor_id)
       SELECT owner_id, at, id, actor_id FROM recipient WHERE stored
       ON CONFLICT DO NOTHING
       RETURNING owner_id, activity_id)
     SELECT r.id::text AS activity_id, r.owner_id::text AS owner_id, c.owner_id IS NOT NULL AS copied
     FROM recipient r LEFT JOIN copied c ON c.owner_id = r.owner_id AND c.activity_id = r.id`,
    [activities.map((a) => a.activityId), rules.fanOutThreshold, rules.followBackfill],
  );
  const owners = new Map<string, string[]>();
  const copied = new Map<string, number>();
  for (const row of rows) {
    const list = owners.get(row.activity_id) ?? [];
    list.push(row.owner_id);
    owners.set(row.activity_id, list);
    if (row.copied) copied.set(row.owner_id, (copied.get(row.owner_id) ?? 0) + 1);
  }
  growth.add([...copied].map(([owner_id, count]) => ({ owner_id, rows: count })));
  return activities.map((activity) => ({
    activity,
    ownerIds: owners.get(activity.activityId) ?? [],
  }));
}

/**
 * Records the batch's growth in `feed_sizes` and trims each feed that is now over `feedCap` to
 * its newest `feedCap` rows; a feed under the cap costs one upserted row, not a count.
 */
export async function trimFeeds(tx: Queryable, growth: FeedGrowth, rules: FeedRules): Promise<void> {
  const { ownerIds, deltas } = growth.changes();
  if (ownerIds.length === 0) return;
  const sizes = await tx.query<{ owner_id: string; size: number }[]>(
    `INSERT INTO feed_sizes AS s (owner_id, size)
     SELECT * FROM unnest($1::uuid[], $2::int[]) ORDER BY 1
     ON CONFLICT (owner_id) DO UPDATE SET size = s.size + EXCLUDED.size
     RETURNING owner_id::text, size`,
    [ownerIds, deltas],
  );
  const over = sizes.filter((row) => row.size > rules.feedCap).map((row) => row.owner_id);
  if (over.length === 0) return;
  await tx.query(
    `WITH dropped AS (
       DELETE FROM feed_items fi USING (
         SELECT o.owner_id, edge.at, edge.activity_id
         FROM unnest($1::uuid[]) AS o(owner_id)
         CROSS JOIN LATERAL (
           SELECT at, activity_id FROM feed_items WHERE owner_id = o.owner_id
           ORDER BY at DESC, activity_id DESC OFFSET $2 LIMIT 1) edge) oldest_dropped
       WHERE fi.owner_id = oldest_dropped.owner_id
         AND (fi.at, fi.activity_id) <= (oldest_dropped.at, oldest_dropped.activity_id)
       RETURNING fi.owner_id),
     counted AS (SELECT owner_id, count(*)::int AS rows FROM dropped GROUP BY owner_id)
     UPDATE feed_sizes s SET size = s.size - counted.rows FROM counted WHERE s.owner_id = counted.owner_id`,
    [over.sort(), rules.feedCap],
  );
}
