import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownEventError } from '../energy/energy-events';
import { envelopeSchema } from '../envelope';
import { ContractViolation } from '../validation';
import {
  CoursePublishedV1,
  enrollmentAggregateId,
  feedsAggregateOf,
  FeedsEventTypes,
  parseFeedsEvent,
} from './feeds-events';

const COURSE = 'a7000000-0000-4000-8000-000000000001';
const AUTHOR = 'a7000000-0000-4000-8000-000000000002';
const LEARNER = 'a7000000-0000-4000-8000-000000000003';
const LESSON = 'a7000000-0000-4000-8000-000000000004';
const coursePublished: CoursePublishedV1 = {
  courseId: COURSE,
  authorId: AUTHOR,
  title: 'Heat pumps, explained',
  summary: 'What a heat pump costs to run.\nAnd when it pays off.',
  tags: ['heat-pumps', 'home'],
  lessons: [{ lessonId: LESSON, title: 'How they work', position: 1, durationMinutes: 12 }],
  publishedAt: '2026-07-01T09:00:00.000Z',
};

const rejectsAt = (type: string, payload: unknown, path: string) =>
  assert.throws(
    () => parseFeedsEvent(type, 1, payload),
    (error: unknown) => error instanceof ContractViolation && error.path === path,
    path,
  );

describe('feeds event contracts', () => {
  it('parses CoursePublished v1', () => {
    assert.deepEqual(parseFeedsEvent(FeedsEventTypes.CoursePublished, 1, coursePublished), {
      type: 'feeds.CoursePublished',
      schemaVersion: 1,
      payload: coursePublished,
    });
  });

  it('refuses an upper-case or repeated tag and a lesson out of position, naming the field', () => {
    const type = FeedsEventTypes.CoursePublished;
    rejectsAt(type, { ...coursePublished, tags: ['Home'] }, 'payload.tags[0]');
    rejectsAt(type, { ...coursePublished, tags: ['home', 'home'] }, 'payload.tags[1]');
    const lessons = [{ ...coursePublished.lessons[0], position: 2 }];
    rejectsAt(type, { ...coursePublished, lessons }, 'payload.lessons[0].position');
  });

  it('measures text in code points: 500 emoji pass, 501 and a control character do not', () => {
    const post = {
      postId: LESSON,
      userId: LEARNER,
      text: '🌱'.repeat(500),
      postedAt: coursePublished.publishedAt,
    };
    assert.equal(parseFeedsEvent(FeedsEventTypes.UpdatePosted, 1, post).type, 'feeds.UpdatePosted');
    assert.equal(
      parseFeedsEvent(FeedsEventTypes.UpdatePosted, 1, { ...post, text: 'a\n\tb' }).schemaVersion,
      1,
    );
    rejectsAt(FeedsEventTypes.UpdatePosted, { ...post, text: '🌱'.repeat(501) }, 'payload.text');
    rejectsAt(FeedsEventTypes.UpdatePosted, { ...post, text: 'bell\u0007' }, 'payload.text');
    rejectsAt(FeedsEventTypes.CoursePublished, { ...coursePublished, title: 'a\nb' }, 'payload.title');
  });

  it('refuses more completed lessons than the course has, and a self-follow', () => {
    const completed = {
      courseId: COURSE,
      userId: LEARNER,
      lessonId: LESSON,
      completedLessons: 2,
      totalLessons: 1,
      completedAt: coursePublished.publishedAt,
    };
    rejectsAt(FeedsEventTypes.LessonCompleted, completed, 'payload.completedLessons');
    const follow = { followerId: LEARNER, followeeId: LEARNER, followedAt: coursePublished.publishedAt };
    rejectsAt(FeedsEventTypes.Followed, follow, 'payload.followeeId');
  });

  it('refuses unknown types and versions', () => {
    assert.throws(
      () => parseFeedsEvent(FeedsEventTypes.CoursePublished, 2, coursePublished),
      UnknownEventError,
    );
    assert.throws(() => parseFeedsEvent('feeds.CourseUpdated', 1, coursePublished), UnknownEventError);
  });

  it('keys enrollment events by user and course, follows and posts by user', () => {
    const enrolled = parseFeedsEvent(FeedsEventTypes.Enrolled, 1, {
      courseId: COURSE,
      userId: LEARNER,
      totalLessons: 1,
      enrolledAt: coursePublished.publishedAt,
    });
    const aggregate = feedsAggregateOf(enrolled);
    assert.deepEqual(aggregate, {
      aggregateType: 'Enrollment',
      aggregateId: enrollmentAggregateId(LEARNER, COURSE),
    });
    assert.equal(aggregate.aggregateId, `${LEARNER}:${COURSE}`);
    // The envelope's aggregateId holds at most 100 characters: two uuids and a colon fit.
    const envelope = {
      id: LESSON,
      type: enrolled.type,
      schemaVersion: 1,
      ...aggregate,
      aggregateVersion: 1,
      occurredAt: coursePublished.publishedAt,
      correlationId: null,
      causationId: null,
      actorId: LEARNER,
      payload: enrolled.payload,
    };
    assert.deepEqual(envelopeSchema(envelope, ''), envelope);
    const followed = parseFeedsEvent(FeedsEventTypes.Followed, 1, {
      followerId: LEARNER,
      followeeId: AUTHOR,
      followedAt: coursePublished.publishedAt,
    });
    assert.deepEqual(feedsAggregateOf(followed), { aggregateType: 'UserFollows', aggregateId: LEARNER });
  });
});
