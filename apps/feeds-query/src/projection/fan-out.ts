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
): Promise<{ deliveries: Delivery[]; stored: string[] }> {
  if (activities.length === 0) return { deliveries: [], stored: [] };
  const rows = await tx.query<{ activity_id: string; owner_id: string; stored: boolean }[]>(
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
       ON CONFLICT DO NOTHING)
     SELECT id::text AS activity_id, owner_id::text AS owner_id, stored FROM recipient`,
    [activities.map((a) => a.activityId), rules.fanOutThreshold, rules.followBackfill],
  );
  const owners = new Map<string, string[]>();
  const stored = new Set<string>();
  for (const row of rows) {
    const list = owners.get(row.activity_id) ?? [];
    list.push(row.owner_id);
    owners.set(row.activity_id, list);
    if (row.stored) stored.add(row.owner_id);
  }
  return {
    deliveries: activities.map((activity) => ({
      activity,
      ownerIds: owners.get(activity.activityId) ?? [],
    })),
    stored: [...stored],
  };
}

/** Keeps each of these users' feeds to its newest `feedCap` rows. */
export async function trimFeeds(tx: Queryable, ownerIds: readonly string[], rules: FeedRules): Promise<void> {
  if (ownerIds.length === 0) return;
  await tx.query(
    `DELETE FROM feed_items fi USING (
       SELECT o.owner_id, edge.at, edge.activity_id
       FROM unnest($1::uuid[]) AS o(owner_id)
       CROSS JOIN LATERAL (
         SELECT at, activity_id FROM feed_items WHERE owner_id = o.owner_id
         ORDER BY at DESC, activity_id DESC OFFSET $2 LIMIT 1) edge) oldest_dropped
     WHERE fi.owner_id = oldest_dropped.owner_id
       AND (fi.at, fi.activity_id) <= (oldest_dropped.at, oldest_dropped.activity_id)`,
    [[...new Set(ownerIds)].sort(), rules.feedCap],
  );
}

/** Course titles for the messages subscribers receive. */
export async function courseTitles(
  tx: Queryable,
  activities: readonly Activity[],
): Promise<Map<string, string>> {
  const ids = [...new Set(activities.flatMap((a) => (a.courseId ? [a.courseId] : [])))];
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ id: string; title: string }[]>(
    'SELECT id::text AS id, title FROM courses WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.title]));
}
