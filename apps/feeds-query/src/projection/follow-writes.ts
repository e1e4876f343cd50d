import { FeedsEventTypes, FollowedEvent, UnfollowedEvent } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';
import { FeedRules } from '../config';
import { FeedGrowth } from './fan-out';

export type FollowEvent = FollowedEvent | UnfollowedEvent;

interface Edge {
  followerId: string;
  followeeId: string;
  wasFollowing: boolean;
  following: boolean;
  /** The newest Followed of the batch, when the edge ends followed. */
  followedAt: string | null;
  unfollowed: boolean;
}

const pairKey = (followerId: string, followeeId: string) => `${followerId}:${followeeId}`.toLowerCase();
const pairOf = (e: FollowEvent) => pairKey(e.payload.followerId, e.payload.followeeId);

/**
 * Applies follows and unfollows: the edges, both users' counts, and the follower's feed.
 * Unfollowing deletes the followee's rows from the follower's feed; following copies in the
 * followee's newest `followBackfill` activities and every one since the follow (those may
 * have been projected before the follow was), unless the followee is read at query time.
 * What each follower's feed gained or lost goes to `growth`, for feed_sizes and the cap.
 */
export async function applyFollows(
  tx: Queryable,
  events: readonly FollowEvent[],
  rules: FeedRules,
  growth: FeedGrowth,
): Promise<void> {
  if (events.length === 0) return;
  const edges = await loadEdges(tx, events);
  for (const event of events) {
    const edge = edges.get(pairOf(event))!;
    if (event.type === FeedsEventTypes.Followed) {
      edge.following = true;
      edge.followedAt = event.payload.followedAt;
    } else {
      edge.following = false;
      edge.followedAt = null;
      edge.unfollowed = true;
    }
  }
  const all = [...edges.values()];
  const ended = all.filter((e) => !e.following);
  const started = all.filter((e) => e.following && e.followedAt !== null);
  if (ended.length > 0)
    await tx.query(
      `DELETE FROM follows f USING unnest($1::uuid[], $2::uuid[]) AS e(follower_id, followee_id)
     WHERE f.follower_id = e.follower_id AND f.followee_id = e.followee_id`,
      [ended.map((e) => e.followerId), ended.map((e) => e.followeeId)],
    );
  if (started.length > 0)
    await tx.query(
      `INSERT INTO follows (follower_id, followee_id, followed_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
     ON CONFLICT (follower_id, followee_id) DO UPDATE SET followed_at = EXCLUDED.followed_at`,
      [started.map((e) => e.followerId), started.map((e) => e.followeeId), started.map((e) => e.followedAt)],
    );
  await addFollowCounts(tx, all);
  const cleared = all.filter((e) => e.unfollowed);
  if (cleared.length > 0) {
    const removed = await tx.query<{ owner_id: string; rows: number }[]>(
      `WITH gone AS (
         DELETE FROM feed_items fi USING unnest($1::uuid[], $2::uuid[]) AS e(owner_id, actor_id)
         WHERE fi.owner_id = e.owner_id AND fi.actor_id = e.actor_id
         RETURNING fi.owner_id)
       SELECT owner_id::text, count(*)::int AS rows FROM gone GROUP BY owner_id`,
      [cleared.map((e) => e.followerId), cleared.map((e) => e.followeeId)],
    );
    growth.add(removed, -1);
  }
  if (started.length === 0) return;
  const backfilled = await tx.query<{ owner_id: string; rows: number }[]>(
    `WITH edge AS (
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS e(follower_id, followee_id, followed_at)),
     copied AS (
       INSERT INTO feed_items (owner_id, at, activity_id, actor_id)
       SELECT e.follower_id, a.at, a.id, a.actor_id
       FROM edge e
       LEFT JOIN follow_counts c ON c.user_id = e.followee_id
       CROSS JOIN LATERAL (
         (SELECT id, at, actor_id FROM activities WHERE actor_id = e.followee_id
          ORDER BY at DESC, id DESC LIMIT $4)
         UNION
         (SELECT id, at, actor_id FROM activities WHERE actor_id = e.followee_id AND at >= e.followed_at
          ORDER BY at DESC, id DESC LIMIT $5)) a
       WHERE coalesce(c.follower_count, 0) <= $6
       ON CONFLICT DO NOTHING
       RETURNING owner_id)
     SELECT owner_id::text, count(*)::int AS rows FROM copied GROUP BY owner_id`,
    [
      started.map((e) => e.followerId),
      started.map((e) => e.followeeId),
      started.map((e) => e.followedAt),
      rules.followBackfill,
      rules.feedCap,
      rules.fanOutThreshold,
    ],
  );
  growth.add(backfilled);
}

async function loadEdges(tx: Queryable, events: readonly FollowEvent[]): Promise<Map<string, Edge>> {
  const pairs = [...new Map(events.map((e) => [pairOf(e), e.payload])).values()];
  const existing = await tx.query<{ follower_id: string; followee_id: string }[]>(
    `SELECT f.follower_id, f.followee_id FROM follows f
     JOIN unnest($1::uuid[], $2::uuid[]) AS e(follower_id, followee_id) USING (follower_id, followee_id)`,
    [pairs.map((p) => p.followerId), pairs.map((p) => p.followeeId)],
  );
  const present = new Set(existing.map((row) => pairKey(row.follower_id, row.followee_id)));
  return new Map(
    pairs.map((p) => {
      const key = pairKey(p.followerId, p.followeeId);
      const was = present.has(key);
      return [
        key,
        {
          followerId: p.followerId,
          followeeId: p.followeeId,
          wasFollowing: was,
          following: was,
          followedAt: null,
          unfollowed: false,
        },
      ];
    }),
  );
}

/** Moves both users' counts by what the batch changed; rows are taken in one order. */
async function addFollowCounts(tx: Queryable, edges: readonly Edge[]): Promise<void> {
  const deltas = new Map<string, { followers: number; following: number }>();
  const add = (userId: string, followers: number, following: number) => {
    const delta = deltas.get(userId) ?? { followers: 0, following: 0 };
    delta.followers += followers;
    delta.following += following;
    deltas.set(userId, delta);
  };
  for (const edge of edges) {
    // A follow and an unfollow in one batch still leave both rows, as in two batches.
    const change = Number(edge.following) - Number(edge.wasFollowing);
    add(edge.followerId, 0, change);
    add(edge.followeeId, change, 0);
  }
  if (deltas.size === 0) return;
  const users = [...deltas.keys()].sort();
  await tx.query(
    `INSERT INTO follow_counts AS c (user_id, follower_count, following_count)
     SELECT * FROM unnest($1::uuid[], $2::int[], $3::int[])
     ON CONFLICT (user_id) DO UPDATE SET follower_count = c.follower_count + EXCLUDED.follower_count,
       following_count = c.following_count + EXCLUDED.following_count`,
    [users, users.map((u) => deltas.get(u)!.followers), users.map((u) => deltas.get(u)!.following)],
  );
}
