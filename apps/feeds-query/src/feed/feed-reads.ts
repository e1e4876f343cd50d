import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';
import { ActivityVerb, decodeFeedCursor, FeedPage, FeedPosition, mergeFeeds } from '@voltstream/feeds';
import { Queryable, queryPrepared } from '@voltstream/platform';
import { COURSE_COLUMNS, CourseRow, courseView } from '../courses/course-reads';
import { ActivityView, CourseView } from '../shared/views';

/** An activity and, when it names a course that is known, the course's columns (else nulls). */
interface FeedRow extends Omit<CourseRow, 'id'> {
  id: string | null;
  activity_id: string;
  actor_id: string;
  verb: ActivityVerb;
  course_id: string | null;
  text: string | null;
  at: Date;
}

/** A feed item, with the course it names when it names one (read in the same statement). */
export interface FeedItem extends ActivityView {
  course: CourseView | null;
}

/** A FeedRow's columns, from `activities a` joined `WITH_COURSE`. */
const ITEM_COLUMNS = `a.id::text AS activity_id, a.actor_id::text AS actor_id, a.verb,
  a.course_id::text AS course_id, a.text, a.at, ${COURSE_COLUMNS}`;

/** An activity's course, when it names one that is known (else the course columns are null). */
const WITH_COURSE = `LEFT JOIN courses c ON c.id = a.course_id
     LEFT JOIN course_stats s ON s.course_id = a.course_id`;

const toItem = (row: FeedRow): FeedItem => ({
  id: row.activity_id,
  activityId: row.activity_id,
  actorId: row.actor_id,
  verb: row.verb,
  courseId: row.course_id,
  text: row.text,
  at: row.at,
  course: row.id ? courseView({ ...row, id: row.id }) : null,
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
 * time), each cut at the same cursor and read one past the page. One statement reads both
 * sources, keeps the newest `size + 1` of their union (an activity in both counts once) and
 * joins only those to their activities and courses: each round trip to Postgres costs the
 * service more CPU than the index probes it carries. libs/feeds' mergeFeeds cuts the page.
 */
export async function feedPage(
  db: Queryable,
  ownerId: string,
  size: number,
  after: FeedPosition | null,
  fanOutThreshold: number,
): Promise<FeedPage<FeedItem>> {
  const params: unknown[] = [ownerId, size + 1, fanOutThreshold];
  let before = (_at: string, _id: string) => '';
  if (after) {
    const at = params.push(after.at.toISOString());
    const id = params.push(after.activityId);
    before = (atColumn, idColumn) => `AND (${atColumn}, ${idColumn}) < ($${at}::timestamptz, $${id}::uuid)`;
  }
  // Prepared: planning this statement costs Postgres as much as running it.
  const rows = await queryPrepared<FeedRow>(
    db,
    `WITH own AS (
       SELECT fi.activity_id AS id, fi.at FROM feed_items fi
       WHERE fi.owner_id = $1 ${before('fi.at', 'fi.activity_id')}
       ORDER BY fi.at DESC, fi.activity_id DESC LIMIT $2),
     celebrity AS (
       SELECT x.id, x.at FROM follow_counts c
       JOIN follows f ON f.follower_id = $1 AND f.followee_id = c.user_id
       CROSS JOIN LATERAL (
         SELECT x.id, x.at FROM activities x WHERE x.actor_id = c.user_id ${before('x.at', 'x.id')}
         ORDER BY x.at DESC, x.id DESC LIMIT $2) x
       WHERE c.follower_count > $3
       ORDER BY x.at DESC, x.id DESC LIMIT $2)
     SELECT ${ITEM_COLUMNS}
     FROM (SELECT id, at FROM own UNION SELECT id, at FROM celebrity ORDER BY at DESC, id DESC LIMIT $2) page
     JOIN activities a ON a.id = page.id
     ${WITH_COURSE}`,
    params,
  );
  return mergeFeeds([rows.map(toItem)], size);
}

/**
 * One activity as `reader` may see it in a feed: their own, or by someone they follow now (an
 * ADMIN sees any); null otherwise. Unfollowing hides the followee's activities at once, as it
 * takes them out of the follower's feed.
 */
export async function visibleActivity(
  db: Queryable,
  activityId: string,
  reader: { userId: string; admin: boolean },
): Promise<FeedItem | null> {
  const rows = await queryPrepared<FeedRow>(
    db,
    `SELECT ${ITEM_COLUMNS}
     FROM activities a
     ${WITH_COURSE}
     WHERE a.id = $1 AND ($3 OR a.actor_id = $2 OR EXISTS (
       SELECT 1 FROM follows f WHERE f.follower_id = $2 AND f.followee_id = a.actor_id))`,
    [activityId, reader.userId, reader.admin],
  );
  return rows[0] ? toItem(rows[0]) : null;
}
