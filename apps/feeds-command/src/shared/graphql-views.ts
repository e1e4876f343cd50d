import { ENROLLMENT_AGGREGATE, encodeConsistencyToken, enrollmentAggregateId } from '@voltstream/contracts';
import { EnrollmentState, progressOf } from '@voltstream/feeds';
import { CourseRecord } from './feeds-store';

/** A reference the gateway completes from identity (User is not resolvable here). */
export const userRef = (id: string) => ({ __typename: 'User' as const, id });

export const courseView = (course: CourseRecord, consistencyToken: string | null = null) => ({
  id: course.courseId,
  title: course.title,
  summary: course.summary,
  tags: course.tags,
  author: userRef(course.authorId),
  lessons: course.lessons.map((lesson) => ({
    id: lesson.lessonId,
    title: lesson.title,
    position: lesson.position,
    durationMinutes: lesson.durationMinutes,
  })),
  enrollmentCount: course.enrollmentCount,
  publishedAt: course.publishedAt,
  consistencyToken,
});

/** What enroll and completeLesson return: the enrollment as decided, at the stream's version. */
export function enrollmentView(course: CourseRecord, state: EnrollmentState, version: number) {
  if (state.enrolledAt === null) throw new Error('an enrollment view needs an enrollment');
  return {
    course: courseView(course),
    progress: progressOf(state),
    completedLessons: state.completed.size,
    enrolledAt: state.enrolledAt,
    completedAt: state.completedAt,
    consistencyToken: encodeConsistencyToken({
      aggregateType: ENROLLMENT_AGGREGATE,
      aggregateId: enrollmentAggregateId(state.userId, state.courseId),
      version,
    }),
  };
}

export type EnrollmentView = ReturnType<typeof enrollmentView>;
