import { FeedsEventTypes, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { decideCompleteLesson, EnrollmentEvent, evolveEnrollment } from '@voltstream/feeds';
import { Caller, EventOutbox, Queryable } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { feedsDecision } from '../shared/feeds-outbox';
import { feedsStore } from '../shared/feeds-store';
import { EnrollmentView, enrollmentView } from '../shared/graphql-views';

/**
 * Completes a lesson of a course the caller is enrolled in. The enrollment row stays locked
 * from read to commit, so a lesson counts once and only the last one completes the course.
 */
export class CompleteLessonHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, courseId: string, lessonId: string): Promise<EnrollmentView> {
    if (!UUID_PATTERN.test(courseId)) throw notFound('course');
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const course = await feedsStore.course(tx, courseId);
      if (!course) throw notFound('course');
      const current = await feedsStore.lockEnrollment(tx, caller.userId, course);
      const events = decideCompleteLesson(current.state, { type: 'CompleteLesson', lessonId, now });
      if (events.length === 0) return enrollmentView(course, current.state, current.version);
      for (const event of events) await save(tx, event);
      const version = current.version + events.length;
      await tx.query('UPDATE enrollments SET version = $3 WHERE user_id = $1 AND course_id = $2', [
        caller.userId,
        courseId,
        version,
      ]);
      await this.outbox.emit(tx, feedsDecision(version, events), { actorId: caller.userId, occurredAt: now });
      return enrollmentView(course, events.reduce(evolveEnrollment, current.state), version);
    });
  }
}

async function save(tx: Queryable, event: EnrollmentEvent): Promise<void> {
  switch (event.type) {
    case FeedsEventTypes.LessonCompleted: {
      const { userId, courseId, lessonId, completedAt } = event.payload;
      await tx.query(
        `INSERT INTO lesson_completions (user_id, course_id, lesson_id, completed_at) VALUES ($1, $2, $3, $4)`,
        [userId, courseId, lessonId, completedAt],
      );
      return;
    }
    case FeedsEventTypes.CourseCompleted: {
      const { userId, courseId, completedAt } = event.payload;
      await tx.query('UPDATE enrollments SET completed_at = $3 WHERE user_id = $1 AND course_id = $2', [
        userId,
        courseId,
        completedAt,
      ]);
      return;
    }
    case FeedsEventTypes.Enrolled:
      throw new Error('completing a lesson never enrolls');
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
