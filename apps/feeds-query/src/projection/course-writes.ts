import {
  AchievementEarnedV1,
  CoursePublishedV1,
  FeedsEventTypes,
  LessonCompletedEvent,
  CourseCompletedEvent,
  EnrolledEvent,
} from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';

export type EnrollmentEvent = EnrolledEvent | LessonCompletedEvent | CourseCompletedEvent;

/** One enrollment as the read model keeps it. */
interface EnrollmentRow {
  userId: string;
  courseId: string;
  totalLessons: number;
  completedLessons: number;
  completedLessonIds: string[];
  enrolledAt: string;
  completedAt: string | null;
}

export async function insertCourses(tx: Queryable, courses: readonly CoursePublishedV1[]): Promise<void> {
  if (courses.length === 0) return;
  await tx.query(
    `INSERT INTO courses (id, author_id, title, summary, tags, published_at)
     SELECT id, author_id, title, summary, ARRAY(SELECT jsonb_array_elements_text(tags)), published_at
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
       AS c(id, author_id, title, summary, tags, published_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      courses.map((c) => c.courseId),
      courses.map((c) => c.authorId),
      courses.map((c) => c.title),
      courses.map((c) => c.summary),
      courses.map((c) => JSON.stringify(c.tags)),
      courses.map((c) => c.publishedAt),
    ],
  );
  const lessons = courses.flatMap((c) => c.lessons.map((lesson) => ({ courseId: c.courseId, ...lesson })));
  await tx.query(
    `INSERT INTO lessons (course_id, position, id, title, duration_minutes)
     SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::text[], $5::int[])
     ON CONFLICT DO NOTHING`,
    [
      lessons.map((l) => l.courseId),
      lessons.map((l) => l.position),
      lessons.map((l) => l.lessonId),
      lessons.map((l) => l.title),
      lessons.map((l) => l.durationMinutes),
    ],
  );
}

/**
 * Applies enrollment events in order over the rows they change, and returns how many new
 * enrollments each course got. The events are already past their aggregates' stored versions.
 */
export async function applyEnrollments(
  tx: Queryable,
  events: readonly EnrollmentEvent[],
): Promise<Map<string, number>> {
  const enrolled = new Map<string, number>();
  if (events.length === 0) return enrolled;
  const keyOf = (p: { userId: string; courseId: string }) => `${p.userId}:${p.courseId}`.toLowerCase();
  const states = await loadEnrollments(tx, [...new Map(events.map((e) => [keyOf(e.payload), e.payload]))]);
  for (const event of events) {
    const key = keyOf(event.payload);
    if (event.type === FeedsEventTypes.Enrolled) {
      const p = event.payload;
      states.set(key, {
        userId: p.userId,
        courseId: p.courseId,
        totalLessons: p.totalLessons,
        completedLessons: 0,
        completedLessonIds: [],
        enrolledAt: p.enrolledAt,
        completedAt: null,
      });
      enrolled.set(p.courseId, (enrolled.get(p.courseId) ?? 0) + 1);
      continue;
    }
    const state = states.get(key);
    if (!state) throw new Error(`${event.type} for enrollment ${key}, which the read model does not know`);
    if (event.type === FeedsEventTypes.LessonCompleted) {
      state.completedLessons = event.payload.completedLessons;
      state.totalLessons = event.payload.totalLessons;
      if (!state.completedLessonIds.includes(event.payload.lessonId)) {
        state.completedLessonIds.push(event.payload.lessonId);
      }
    } else {
      state.completedAt = event.payload.completedAt;
    }
  }
  const changed = [...new Set(events.map((e) => keyOf(e.payload)))].map((key) => states.get(key)!);
  await tx.query(
    `INSERT INTO enrollments (user_id, course_id, total_lessons, completed_lessons, completed_lesson_ids,
       enrolled_at, completed_at)
     SELECT user_id, course_id, total, completed, ARRAY(SELECT jsonb_array_elements_text(ids))::uuid[],
       enrolled_at, completed_at
     FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[])
       AS e(user_id, course_id, total, completed, ids, enrolled_at, completed_at)
     ON CONFLICT (user_id, course_id) DO UPDATE SET total_lessons = EXCLUDED.total_lessons,
       completed_lessons = EXCLUDED.completed_lessons, completed_lesson_ids = EXCLUDED.completed_lesson_ids,
       completed_at = EXCLUDED.completed_at`,
    [
      changed.map((s) => s.userId),
      changed.map((s) => s.courseId),
      changed.map((s) => s.totalLessons),
      changed.map((s) => s.completedLessons),
      changed.map((s) => JSON.stringify(s.completedLessonIds)),
      changed.map((s) => s.enrolledAt),
      changed.map((s) => s.completedAt),
    ],
  );
  return enrolled;
}

async function loadEnrollments(
  tx: Queryable,
  keys: readonly (readonly [string, { userId: string; courseId: string }])[],
): Promise<Map<string, EnrollmentRow>> {
  const rows = await tx.query<
    {
      user_id: string;
      course_id: string;
      total_lessons: number;
      completed_lessons: number;
      completed_lesson_ids: string[];
      enrolled_at: Date;
      completed_at: Date | null;
    }[]
  >(
    `SELECT e.user_id, e.course_id, e.total_lessons, e.completed_lessons,
       e.completed_lesson_ids::text[] AS completed_lesson_ids, e.enrolled_at, e.completed_at
     FROM enrollments e JOIN unnest($1::uuid[], $2::uuid[]) AS k(user_id, course_id) USING (user_id, course_id)`,
    [keys.map(([, p]) => p.userId), keys.map(([, p]) => p.courseId)],
  );
  return new Map(
    rows.map((row) => [
      `${row.user_id}:${row.course_id}`.toLowerCase(),
      {
        userId: row.user_id,
        courseId: row.course_id,
        totalLessons: row.total_lessons,
        completedLessons: row.completed_lessons,
        completedLessonIds: row.completed_lesson_ids,
        enrolledAt: row.enrolled_at.toISOString(),
        completedAt: row.completed_at?.toISOString() ?? null,
      },
    ]),
  );
}

/** Adds new enrollments to their courses' counts; rows are taken in one order, so no deadlock. */
export async function addEnrollmentCounts(
  tx: Queryable,
  enrolled: ReadonlyMap<string, number>,
): Promise<void> {
  if (enrolled.size === 0) return;
  const courseIds = [...enrolled.keys()].sort();
  await tx.query(
    `INSERT INTO course_stats (course_id, enrollment_count)
     SELECT * FROM unnest($1::uuid[], $2::int[])
     ON CONFLICT (course_id) DO UPDATE SET enrollment_count = course_stats.enrollment_count + EXCLUDED.enrollment_count`,
    [courseIds, courseIds.map((id) => enrolled.get(id)!)],
  );
}

export async function insertAchievements(
  tx: Queryable,
  achievements: readonly AchievementEarnedV1[],
): Promise<void> {
  if (achievements.length === 0) return;
  await tx.query(
    `INSERT INTO achievements (user_id, code, title, earned_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])
     ON CONFLICT (user_id, code) DO NOTHING`,
    [
      achievements.map((a) => a.userId),
      achievements.map((a) => a.code),
      achievements.map((a) => a.title),
      achievements.map((a) => a.earnedAt),
    ],
  );
}
