import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  decodeConsistencyToken,
  enrollmentAggregateId,
  FeedsEventTypes,
  USER_ACTIVITY_AGGREGATE,
} from '@voltstream/contracts';
import { dataOf, queryOnce } from '@voltstream/testing';
import {
  ask,
  codeOf,
  completeLesson,
  CourseResult,
  enroll,
  feedsDb,
  newUser,
  outboxEvents,
  publishCourse,
  TestUser,
} from './testing/feeds-api';

/** feeds-command's mutations on its own subgraph endpoint, checked against its database. */
let instructor: TestUser;
let learner: TestUser;
let course: CourseResult;

const follow = (who: TestUser, userId: string, mutation: 'follow' | 'unfollow' = 'follow') =>
  ask<Record<string, boolean>>(`mutation($id: ID!) { ${mutation}(userId: $id) }`, { id: userId }, who.token);

const postUpdate = (who: TestUser, text: string) =>
  ask<{
    postUpdate: {
      id: string;
      actor: { id: string };
      verb: string;
      course: null;
      text: string;
      at: string;
      consistencyToken: string;
    };
  }>(
    'mutation($text: String!) { postUpdate(text: $text) { id actor { id } verb course { id } text at consistencyToken } }',
    {
      text,
    },
    who.token,
  );

describe('feeds-command', () => {
  before(async () => {
    [instructor, learner] = await Promise.all([newUser('INSTRUCTOR'), newUser()]);
    course = dataOf(await publishCourse(instructor.token)).publishCourse;
  });

  it('asks for a signed-in caller and lets only instructors publish', async () => {
    assert.equal(codeOf(await publishCourse('')), 'UNAUTHENTICATED');
    assert.equal(codeOf(await publishCourse(learner.token)), 'FORBIDDEN');
  });

  it('publishes a course as the domain decided it, with one CoursePublished v1', async () => {
    assert.equal(course.author.id, instructor.id);
    assert.deepEqual(course.tags, ['heat-pumps', 'home']);
    assert.deepEqual(
      course.lessons.map((l) => [l.position, l.title, l.durationMinutes]),
      [
        [1, 'Lesson 1', 10],
        [2, 'Lesson 2', 11],
      ],
    );
    assert.equal(course.enrollmentCount, 0);
    assert.deepEqual(decodeConsistencyToken(course.consistencyToken), {
      aggregateType: 'Course',
      aggregateId: course.id,
      version: 1,
    });
    const events = await outboxEvents(course.id);
    assert.deepEqual(
      events.map((e) => [e.type, e.aggregateVersion, e.actorId]),
      [[FeedsEventTypes.CoursePublished, 1, instructor.id]],
    );
  });

  it('enrolls once: enrolling again returns the same enrollment and emits nothing', async () => {
    const first = dataOf(await enroll(learner.token, course.id)).enroll;
    const again = dataOf(await enroll(learner.token, course.id)).enroll;
    assert.deepEqual(again, first);
    assert.equal(first.progress, 0);
    assert.equal(first.completedLessons, 0);
    assert.equal(first.course.enrollmentCount, 1);
    assert.equal(first.completedAt, null);
    const stream = enrollmentAggregateId(learner.id, course.id);
    assert.deepEqual(decodeConsistencyToken(first.consistencyToken), {
      aggregateType: 'Enrollment',
      aggregateId: stream,
      version: 1,
    });
    const rows = await queryOnce(feedsDb, 'SELECT 1 FROM enrollments WHERE user_id = $1 AND course_id = $2', [
      learner.id,
      course.id,
    ]);
    assert.equal(rows.length, 1);
    const events = await outboxEvents(stream, FeedsEventTypes.Enrolled);
    assert.deepEqual(
      events.map((e) => e.aggregateVersion),
      [1],
    );
    assert.equal(codeOf(await enroll(learner.token, randomUUID())), 'NOT_FOUND');
    assert.equal(codeOf(await enroll(learner.token, 'not-a-course')), 'NOT_FOUND');
  });

  it('enrolls once when the same user enrolls several times at once', async () => {
    const eager = await newUser();
    const answers = await Promise.all(Array.from({ length: 5 }, () => enroll(eager.token, course.id)));
    const tokens = new Set(answers.map((answer) => dataOf(answer).enroll.consistencyToken));
    assert.equal(tokens.size, 1);
    const events = await outboxEvents(enrollmentAggregateId(eager.id, course.id));
    assert.deepEqual(
      events.map((e) => [e.type, e.aggregateVersion]),
      [[FeedsEventTypes.Enrolled, 1]],
    );
  });

  it('refuses a lesson of another course, and lessons before enrolling', async () => {
    const other = dataOf(await publishCourse(instructor.token, 1)).publishCourse;
    const foreign = await completeLesson(learner.token, course.id, other.lessons[0].id);
    assert.equal(codeOf(foreign), 'FEEDS.LESSON_NOT_IN_COURSE');
    const notEnrolled = await completeLesson(learner.token, other.id, other.lessons[0].id);
    assert.equal(codeOf(notEnrolled), 'FEEDS.NOT_ENROLLED');
    assert.equal(codeOf(await completeLesson(learner.token, randomUUID(), other.lessons[0].id)), 'NOT_FOUND');
  });

  it('counts each lesson once and completes the course with its last lesson', async () => {
    const [first, second] = course.lessons;
    const half = dataOf(await completeLesson(learner.token, course.id, first.id)).completeLesson;
    assert.equal(half.progress, 0.5);
    assert.equal(half.completedAt, null);
    const again = dataOf(await completeLesson(learner.token, course.id, first.id)).completeLesson;
    assert.deepEqual(again, half);
    const done = dataOf(await completeLesson(learner.token, course.id, second.id)).completeLesson;
    assert.equal(done.progress, 1);
    assert.equal(done.completedLessons, 2);
    assert.ok(done.completedAt);
    const stream = enrollmentAggregateId(learner.id, course.id);
    assert.equal(decodeConsistencyToken(done.consistencyToken)?.version, 4);
    const events = await outboxEvents(stream);
    assert.deepEqual(
      events.map((e) => [e.type, e.aggregateVersion]),
      [
        [FeedsEventTypes.Enrolled, 1],
        [FeedsEventTypes.LessonCompleted, 2],
        [FeedsEventTypes.LessonCompleted, 3],
        [FeedsEventTypes.CourseCompleted, 4],
      ],
    );
  });

  it('refuses a self-follow, follows once, and unfollows', async () => {
    const fan = await newUser();
    assert.equal(codeOf(await follow(fan, fan.id)), 'FEEDS.CANNOT_FOLLOW_SELF');
    const follows = await Promise.all([1, 2, 3].map(() => follow(fan, instructor.id)));
    assert.deepEqual(
      follows.map((answer) => dataOf(answer).follow),
      [true, true, true],
    );
    assert.equal(dataOf(await follow(fan, instructor.id)).follow, true);
    assert.equal(dataOf(await follow(fan, instructor.id, 'unfollow')).unfollow, true);
    assert.equal(dataOf(await follow(fan, instructor.id, 'unfollow')).unfollow, true);
    const events = await outboxEvents(fan.id);
    assert.deepEqual(
      events.map((e) => [e.type, e.aggregateVersion, e.aggregateType]),
      [
        [FeedsEventTypes.Followed, 1, 'UserFollows'],
        [FeedsEventTypes.Unfollowed, 2, 'UserFollows'],
      ],
    );
  });

  it('refuses to follow a user nobody registered, after waiting for them a bounded time', async () => {
    const started = Date.now();
    assert.equal(codeOf(await follow(learner, randomUUID())), 'NOT_FOUND');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(codeOf(await follow(learner, 'nobody')), 'NOT_FOUND');
  });

  it('refuses a 501-character post and writes nothing; a post is an activity with its event id', async () => {
    const poster = await newUser();
    const tooLong = await postUpdate(poster, 'a'.repeat(501));
    assert.equal(codeOf(tooLong), 'FEEDS.INVALID_POST_TEXT');
    const posts = await queryOnce(feedsDb, 'SELECT 1 FROM posts WHERE user_id = $1', [poster.id]);
    assert.equal(posts.length, 0);
    assert.deepEqual(await outboxEvents(poster.id), []);

    const posted = dataOf(await postUpdate(poster, `  ${'🌱'.repeat(500)}\n `)).postUpdate;
    assert.equal(posted.text, '🌱'.repeat(500));
    assert.equal(posted.verb, 'POSTED');
    assert.equal(posted.actor.id, poster.id);
    assert.equal(posted.course, null);
    assert.deepEqual(decodeConsistencyToken(posted.consistencyToken), {
      aggregateType: USER_ACTIVITY_AGGREGATE,
      aggregateId: poster.id,
      version: 1,
    });
    const [event] = await outboxEvents(poster.id, FeedsEventTypes.UpdatePosted);
    assert.equal(event.id, posted.id);
    assert.equal(event.occurredAt, posted.at);
  });
});
