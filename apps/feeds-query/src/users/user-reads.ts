import { Queryable } from '@voltstream/platform';
import { AchievementView, EnrollmentView, FollowCounts } from '../shared/views';

/** Users registered with identity, of these ids. */
export async function knownUsers(db: Queryable, ids: readonly string[]): Promise<{ id: string }[]> {
  return db.query<{ id: string }[]>('SELECT id::text AS id FROM users WHERE id = ANY($1::uuid[])', [ids]);
}

/**
 * Each user's enrollments, newest first. An enrollment whose course is not projected yet (it
 * travels on another partition) waits until it is, as `Enrollment.course` is not nullable.
 */
export async function enrollmentsOf(db: Queryable, userIds: readonly string[]): Promise<EnrollmentView[]> {
  const rows = await db.query<
    {
      user_id: string;
      course_id: string;
      total_lessons: number;
      completed_lessons: number;
      enrolled_at: Date;
      completed_at: Date | null;
    }[]
  >(
    `SELECT e.user_id::text AS user_id, e.course_id::text AS course_id, e.total_lessons,
       e.completed_lessons, e.enrolled_at, e.completed_at
     FROM enrollments e
     WHERE e.user_id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM courses c WHERE c.id = e.course_id)
     ORDER BY e.user_id, e.enrolled_at DESC, e.course_id`,
    [userIds],
  );
  return rows.map((row) => ({
    userId: row.user_id,
    courseId: row.course_id,
    progress: row.completed_lessons / row.total_lessons,
    completedLessons: row.completed_lessons,
    enrolledAt: row.enrolled_at,
    completedAt: row.completed_at,
  }));
}

/** Each user's achievements, in the order they were earned. */
export async function achievementsOf(
  db: Queryable,
  userIds: readonly string[],
): Promise<(AchievementView & { userId: string })[]> {
  const rows = await db.query<{ user_id: string; code: string; title: string; earned_at: Date }[]>(
    `SELECT user_id::text AS user_id, code, title, earned_at FROM achievements
     WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, earned_at, code`,
    [userIds],
  );
  return rows.map((row) => ({
    userId: row.user_id,
    code: row.code,
    title: row.title,
    earnedAt: row.earned_at,
  }));
}

export async function followCountsOf(
  db: Queryable,
  userIds: readonly string[],
): Promise<Map<string, FollowCounts>> {
  const rows = await db.query<{ user_id: string; follower_count: number; following_count: number }[]>(
    `SELECT user_id::text AS user_id, follower_count, following_count FROM follow_counts
     WHERE user_id = ANY($1::uuid[])`,
    [userIds],
  );
  return new Map(
    rows.map((row) => [
      row.user_id,
      { followerCount: row.follower_count, followingCount: row.following_count },
    ]),
  );
}

/** Which of these users the follower follows. */
export async function followedBy(
  db: Queryable,
  followerId: string,
  followeeIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db.query<{ followee_id: string }[]>(
    `SELECT followee_id::text AS followee_id FROM follows
     WHERE follower_id = $1 AND followee_id = ANY($2::uuid[])`,
    [followerId, followeeIds],
  );
  return new Set(rows.map((row) => row.followee_id));
}
