import { FeedsEventTypes, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { decideEnroll, evolveEnrollment } from '@voltstream/feeds';
import { Caller, EventOutbox } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { feedsDecision } from '../shared/feeds-outbox';
import { feedsStore } from '../shared/feeds-store';
import { EnrollmentView, enrollmentView } from '../shared/graphql-views';

/**
 * Enrolls the caller in a course, once: enrolling again returns the same enrollment and emits
 * nothing. The enrollment and the course's enrollment count change in one transaction.
 */
export class EnrollHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, courseId: string): Promise<EnrollmentView> {
    if (!UUID_PATTERN.test(courseId)) throw notFound('course');
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const course = await feedsStore.course(tx, courseId);
      if (!course) throw notFound('course');
      const current = await feedsStore.lockEnrollment(tx, caller.userId, course);
      const events = decideEnroll(current.state, { type: 'Enroll', now });
      const [enrolled] = events;
      if (!enrolled || enrolled.type !== FeedsEventTypes.Enrolled) {
        return enrollmentView(course, current.state, current.version);
      }
      // Two first enrolls at once both find no row to lock; the key lets one of them in.
      const inserted = await tx.query<unknown[]>(
        `INSERT INTO enrollments (user_id, course_id, enrolled_at, version) VALUES ($1, $2, $3, 1)
         ON CONFLICT (user_id, course_id) DO NOTHING RETURNING user_id`,
        [caller.userId, courseId, enrolled.payload.enrolledAt],
      );
      if (inserted.length === 0) {
        const winner = await feedsStore.lockEnrollment(tx, caller.userId, course);
        return enrollmentView(course, winner.state, winner.version);
      }
      // A CTE, since TypeORM answers a bare UPDATE … RETURNING as [rows, count].
      const counted = await tx.query<{ enrollment_count: number }[]>(
        `WITH counted AS (
           UPDATE courses SET enrollment_count = enrollment_count + 1 WHERE id = $1 RETURNING enrollment_count
         ) SELECT enrollment_count FROM counted`,
        [courseId],
      );
      await this.outbox.emit(tx, feedsDecision(1, events), { actorId: caller.userId, occurredAt: now });
      return enrollmentView(
        { ...course, enrollmentCount: counted[0].enrollment_count },
        evolveEnrollment(current.state, enrolled),
        1,
      );
    });
  }
}
