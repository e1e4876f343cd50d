import { CoursePublishedV1 } from '@voltstream/contracts';
import { EnrollmentState, initialEnrollment } from '@voltstream/feeds';
import { Queryable } from '@voltstream/platform';

export type LessonRecord = CoursePublishedV1['lessons'][number];

export interface CourseRecord {
  courseId: string;
  authorId: string;
  title: string;
  summary: string;
  tags: string[];
  lessons: LessonRecord[];
  publishedAt: Date;
  enrollmentCount: number;
}

export interface EnrollmentRecord {
  state: EnrollmentState;
  /** The Enrollment stream's version; 0 while the user is not enrolled. */
  version: number;
}

/** The SQL the handlers share; each runs inside the caller's transaction. */
export const feedsStore = {
  async course(db: Queryable, courseId: string): Promise<CourseRecord | null> {
    const rows = await db.query<
      {
        id: string;
        author_id: string;
        title: string;
        summary: string;
        tags: string[];
        published_at: Date;
        enrollment_count: number;
      }[]
    >(
      `SELECT id, author_id, title, summary, tags, published_at, enrollment_count
       FROM courses WHERE id = $1`,
      [courseId],
    );
    const row = rows[0];
    if (!row) return null;
    const lessons = await db.query<
      { id: string; title: string; position: number; duration_minutes: number }[]
    >('SELECT id, title, position, duration_minutes FROM lessons WHERE course_id = $1 ORDER BY position', [
      courseId,
    ]);
    return {
      courseId: row.id,
      authorId: row.author_id,
      title: row.title,
      summary: row.summary,
      tags: row.tags,
      lessons: lessons.map((lesson) => ({
        lessonId: lesson.id,
        title: lesson.title,
        position: lesson.position,
        durationMinutes: lesson.duration_minutes,
      })),
      publishedAt: row.published_at,
      enrollmentCount: row.enrollment_count,
    };
  },

  /** The user's enrollment in the course, its row locked until the transaction ends. */
  async lockEnrollment(db: Queryable, userId: string, course: CourseRecord): Promise<EnrollmentRecord> {
    const initial = initialEnrollment(
      { courseId: course.courseId, lessonIds: course.lessons.map((lesson) => lesson.lessonId) },
      userId,
    );
    const rows = await db.query<{ enrolled_at: Date; completed_at: Date | null; version: number }[]>(
      `SELECT enrolled_at, completed_at, version FROM enrollments
       WHERE user_id = $1 AND course_id = $2 FOR UPDATE`,
      [userId, course.courseId],
    );
    const row = rows[0];
    if (!row) return { state: initial, version: 0 };
    const completed = await db.query<{ lesson_id: string }[]>(
      'SELECT lesson_id FROM lesson_completions WHERE user_id = $1 AND course_id = $2',
      [userId, course.courseId],
    );
    return {
      state: {
        ...initial,
        completed: new Set(completed.map((c) => c.lesson_id)),
        enrolledAt: row.enrolled_at,
        completedAt: row.completed_at,
      },
      version: row.version,
    };
  },
};
