import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';
import { ActivityVerb, decodeFeedCursor, FeedPage, FeedPosition, mergeFeeds } from '@voltstream/feeds';
import { Queryable } from '@voltstream/platform';
import { ActivityView } from '../shared/views';

interface ActivityRow {
  id: string;
  actor_id: string;
  verb: ActivityVerb;
  course_id: string | null;
  text: string | null;
  at: Date;
}

const COLUMNS = (a: string) =>
  `${a}.id::text AS id, ${a}.actor_id::text AS actor_id, ${a}.verb, ${a}.course_id::text AS course_id, ${a}.text, ${a}.at`;

const toView = (row: ActivityRow): ActivityView => ({
  id: row.id,
  activityId: row.id,
  actorId: row.actor_id,
  verb: row.verb,
  courseId: row.course_id,
  text: row.text,
  at: row.at,
});

/** The `after` of the feed: libs/feeds' cursor, whose activity id must be one of ours (a uuid). */
export function feedCursor(after: string | null | undefined): FeedPosition | null {
  if (!after) return null;
  const position = decodeFeedCursor(after);
  if (!UUID_PATTERN.test(position.activityId)) {
    throw DomainError.fromFieldErrors([
      { path: 'after', code: ErrorCodes.badUserInput, message: 'not a cursor of this feed' },
    ]);
  }
  return position;
}

/**
 * A page of a user's feed, newest first by (at, id): the user's own feed rows (fan-out on
 * write), merged with the recent activities of the celebrities they follow (read at query
 * time), each cut at the same cursor and read one past the page.
 */
export async function feedPage(
  db: Queryable,
  ownerId: string,
  size: number,
  after: FeedPosition | null,
  fanOutThreshold: number,
): Promise<FeedPage<ActivityView>> {
  const params: unknown[] = [ownerId, size + 1];
  const before = (at: string, id: string) => {
    if (!after) return '';
    return `AND (${at}, ${id}) < ($${params.push(after.at.toISOString())}::timestamptz, $${params.push(after.activityId)}::uuid)`;
  };
  const own = await db.query<ActivityRow[]>(
    `SELECT ${COLUMNS('a')} FROM feed_items fi JOIN activities a ON a.id = fi.activity_id
     WHERE fi.owner_id = $1 ${before('fi.at', 'fi.activity_id')}
     ORDER BY fi.at DESC, fi.activity_id DESC LIMIT $2`,
    params,
  );
  params.splice(2);
  const threshold = params.push(fanOutThreshold);
  const celebrities = await db.query<ActivityRow[]>(
    `SELECT ${COLUMNS('a')} FROM follows f
     JOIN follow_counts c ON c.user_id = f.followee_id AND c.follower_count > $${threshold}
     CROSS JOIN LATERAL (
       SELECT * FROM activities x WHERE x.actor_id = f.followee_id ${before('x.at', 'x.id')}
       ORDER BY x.at DESC, x.id DESC LIMIT $2) a
     WHERE f.follower_id = $1
     ORDER BY a.at DESC, a.id DESC LIMIT $2`,
    params,
  );
  return mergeFeeds([own.map(toView), celebrities.map(toView)], size);
}
