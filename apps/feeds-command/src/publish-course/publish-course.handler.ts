import { COURSE_AGGREGATE, encodeConsistencyToken, Role, Roles } from '@voltstream/contracts';
import { decidePublishCourse, PublishCourseInput } from '@voltstream/feeds';
import { Caller, EventOutbox } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { feedsDecision } from '../shared/feeds-outbox';
import { CourseRecord } from '../shared/feeds-store';

export interface PublishedCourse {
  course: CourseRecord;
  consistencyToken: string;
}

const rolesOf = (caller: Caller): Role[] =>
  caller.roles.filter((role): role is Role => (Roles as readonly string[]).includes(role));

/** Publishes a course with its lessons (INSTRUCTOR or ADMIN, as the domain decides). */
export class PublishCourseHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, input: PublishCourseInput): Promise<PublishedCourse> {
    const event = decidePublishCourse({
      type: 'PublishCourse',
      courseId: randomUUID(),
      author: { userId: caller.userId, roles: rolesOf(caller) },
      input,
      lessonIds: input.lessons.map(() => randomUUID()),
      now: new Date(),
    });
    const course = event.payload;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO courses (id, author_id, title, summary, tags, published_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [course.courseId, course.authorId, course.title, course.summary, course.tags, course.publishedAt],
      );
      await tx.query(
        `INSERT INTO lessons (id, course_id, position, title, duration_minutes)
         SELECT id, $1, position, title, minutes
         FROM unnest($2::uuid[], $3::int[], $4::text[], $5::int[]) AS l (id, position, title, minutes)`,
        [
          course.courseId,
          course.lessons.map((l) => l.lessonId),
          course.lessons.map((l) => l.position),
          course.lessons.map((l) => l.title),
          course.lessons.map((l) => l.durationMinutes),
        ],
      );
      await this.outbox.emit(tx, feedsDecision(1, [event]), { actorId: caller.userId });
    });
    return {
      course: {
        courseId: course.courseId,
        authorId: course.authorId,
        title: course.title,
        summary: course.summary,
        tags: course.tags,
        lessons: course.lessons,
        publishedAt: new Date(course.publishedAt),
        enrollmentCount: 0,
      },
      consistencyToken: encodeConsistencyToken({
        aggregateType: COURSE_AGGREGATE,
        aggregateId: course.courseId,
        version: 1,
      }),
    };
  }
}
