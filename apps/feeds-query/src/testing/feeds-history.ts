import { randomUUID } from 'node:crypto';
import {
  COURSE_AGGREGATE,
  encodeConsistencyToken,
  ENROLLMENT_AGGREGATE,
  enrollmentAggregateId,
  EventEnvelope,
  FeedsEventTypes,
  USER_ACTIVITY_AGGREGATE,
  USER_FOLLOWS_AGGREGATE,
} from '@voltstream/contracts';
import { newEnvelope } from '@voltstream/platform';

export interface PublishedCourse {
  courseId: string;
  lessonIds: string[];
}

/**
 * Feeds events as feeds-command publishes them, with each aggregate's versions counted from 1,
 * for the tests of this read side. Times come from a clock that moves one second per event
 * unless an event is given its own.
 */
export class FeedsHistory {
  readonly events: EventEnvelope[] = [];
  private readonly versions = new Map<string, number>();
  private clock: number;
  private drained = 0;

  constructor(start: Date = new Date(Date.now() - 3_600_000)) {
    this.clock = start.getTime();
  }

  publishCourse(
    authorId: string,
    course: { title?: string; summary?: string; tags?: string[]; lessons?: number; at?: Date } = {},
  ): PublishedCourse {
    const courseId = randomUUID();
    const lessonIds = Array.from({ length: course.lessons ?? 2 }, () => randomUUID());
    this.add(FeedsEventTypes.CoursePublished, COURSE_AGGREGATE, courseId, course.at, (at) => ({
      courseId,
      authorId,
      title: course.title ?? 'Heat pumps explained',
      summary: course.summary ?? 'How a heat pump moves heat, and what it costs to run.',
      tags: course.tags ?? ['heating'],
      lessons: lessonIds.map((lessonId, i) => ({
        lessonId,
        title: `Lesson ${i + 1}`,
        position: i + 1,
        durationMinutes: 5 + i,
      })),
      publishedAt: at,
    }));
    return { courseId, lessonIds };
  }

  enroll(userId: string, course: PublishedCourse, at?: Date): EventEnvelope {
    return this.add(
      FeedsEventTypes.Enrolled,
      ENROLLMENT_AGGREGATE,
      enrollmentAggregateId(userId, course.courseId),
      at,
      (when) => ({
        courseId: course.courseId,
        userId,
        totalLessons: course.lessonIds.length,
        enrolledAt: when,
      }),
    );
  }

  /** Completes the course's lessons in order; the last one also completes the course. */
  completeLessons(userId: string, course: PublishedCourse, count: number, at?: Date): EventEnvelope[] {
    const id = enrollmentAggregateId(userId, course.courseId);
    const total = course.lessonIds.length;
    const done = course.lessonIds.slice(0, count).map((lessonId, i) =>
      this.add(FeedsEventTypes.LessonCompleted, ENROLLMENT_AGGREGATE, id, at, (when) => ({
        courseId: course.courseId,
        userId,
        lessonId,
        completedLessons: i + 1,
        totalLessons: total,
        completedAt: when,
      })),
    );
    if (count < total) return done;
    const completed = this.add(FeedsEventTypes.CourseCompleted, ENROLLMENT_AGGREGATE, id, at, (when) => ({
      courseId: course.courseId,
      userId,
      totalLessons: total,
      completedAt: when,
    }));
    return [...done, completed];
  }

  follow(followerId: string, followeeId: string, at?: Date): EventEnvelope {
    return this.add(FeedsEventTypes.Followed, USER_FOLLOWS_AGGREGATE, followerId, at, (when) => ({
      followerId,
      followeeId,
      followedAt: when,
    }));
  }

  unfollow(followerId: string, followeeId: string, at?: Date): EventEnvelope {
    return this.add(FeedsEventTypes.Unfollowed, USER_FOLLOWS_AGGREGATE, followerId, at, (when) => ({
      followerId,
      followeeId,
      unfollowedAt: when,
    }));
  }

  post(userId: string, text: string, at?: Date): EventEnvelope {
    return this.add(FeedsEventTypes.UpdatePosted, USER_ACTIVITY_AGGREGATE, userId, at, (when) => ({
      postId: randomUUID(),
      userId,
      text,
      postedAt: when,
    }));
  }

  earn(userId: string, code: string, title: string, at?: Date): EventEnvelope {
    return this.add(FeedsEventTypes.AchievementEarned, USER_ACTIVITY_AGGREGATE, userId, at, (when) => ({
      userId,
      code,
      title,
      earnedAt: when,
    }));
  }

  /** The events added since the last call: the next batch to project. */
  drain(): EventEnvelope[] {
    const batch = this.events.slice(this.drained);
    this.drained = this.events.length;
    return batch;
  }

  private add(
    type: string,
    aggregateType: string,
    aggregateId: string,
    at: Date | undefined,
    payload: (at: string) => unknown,
  ): EventEnvelope {
    const key = `${aggregateType}|${aggregateId}`;
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    this.clock += 1000;
    const when = at ?? new Date(this.clock);
    const envelope = newEnvelope({
      type,
      schemaVersion: 1,
      aggregateType,
      aggregateId,
      aggregateVersion: version,
      payload: payload(when.toISOString()),
      occurredAt: when,
    });
    this.events.push(envelope);
    return envelope;
  }
}

/** The consistency token of the write that published this event. */
export const tokenOf = (envelope: EventEnvelope): string =>
  encodeConsistencyToken({
    aggregateType: envelope.aggregateType,
    aggregateId: envelope.aggregateId,
    version: envelope.aggregateVersion,
  });

export const asConsumed = (envelopes: readonly EventEnvelope[], topic = 'feeds.events') =>
  envelopes.map((envelope, i) => ({ envelope, topic, partition: 0, offset: String(i) }));
