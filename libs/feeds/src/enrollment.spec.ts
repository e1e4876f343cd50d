import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { courseCompletedV1, enrolledV1, lessonCompletedV1 } from '@voltstream/contracts';
import {
  decideCompleteLesson,
  decideEnroll,
  decideEnrollment,
  EnrollmentCommand,
  EnrollmentEvent,
  EnrollmentState,
  evolveEnrollment,
  initialEnrollment,
  progressOf,
} from './enrollment';
import { FeedsErrorCodes } from './feeds-errors';
import { codeOf, pathOf } from './feeds-spec-helpers';

const COURSE = 'd2000000-0000-4000-8000-000000000001';
const USER = 'd2000000-0000-4000-8000-000000000002';
const LESSONS = ['a', 'b', 'c'].map((_, i) => `d2000000-0000-4000-8000-00000000010${i}`);
const now = new Date('2026-07-01T10:00:00Z');
const fresh = initialEnrollment({ courseId: COURSE, lessonIds: LESSONS }, USER);
const enroll: EnrollmentCommand = { type: 'Enroll', now };
const complete = (lessonId: string): EnrollmentCommand => ({ type: 'CompleteLesson', lessonId, now });

/** Given the state, when the commands run in turn: the state after them and every event. */
function run(state: EnrollmentState, ...commands: EnrollmentCommand[]) {
  const events: EnrollmentEvent[] = [];
  for (const command of commands) {
    const decided = decideEnrollment(state, command);
    events.push(...decided);
    state = decided.reduce(evolveEnrollment, state);
  }
  return { state, events };
}

describe('enrolling', () => {
  it('enrolls a user with no progress yet', () => {
    const { state, events } = run(fresh, enroll);
    assert.deepEqual(events, [
      {
        type: 'feeds.Enrolled',
        schemaVersion: 1,
        payload: { courseId: COURSE, userId: USER, totalLessons: 3, enrolledAt: '2026-07-01T10:00:00.000Z' },
      },
    ]);
    assert.deepEqual(enrolledV1(events[0].payload, 'payload'), events[0].payload);
    assert.deepEqual([state.enrolledAt, progressOf(state)], [now, 0]);
  });

  it('returns no events when the user is already enrolled', () => {
    const { state } = run(fresh, enroll);
    assert.deepEqual(decideEnroll(state, { type: 'Enroll', now: new Date('2026-07-02T00:00:00Z') }), []);
  });
});

describe('completing lessons', () => {
  it('counts progress as completed lessons over all lessons', () => {
    const { state, events } = run(fresh, enroll, complete(LESSONS[1]));
    assert.equal(progressOf(state), 1 / 3);
    const completed = events[1];
    assert.equal(completed.type, 'feeds.LessonCompleted');
    assert.deepEqual(lessonCompletedV1(completed.payload, 'payload'), {
      courseId: COURSE,
      userId: USER,
      lessonId: LESSONS[1],
      completedLessons: 1,
      totalLessons: 3,
      completedAt: '2026-07-01T10:00:00.000Z',
    });
    assert.equal(progressOf(run(state, complete(LESSONS[0])).state), 2 / 3);
  });

  it('returns no events for a lesson completed before', () => {
    const { state } = run(fresh, enroll, complete(LESSONS[0]));
    assert.deepEqual(decideCompleteLesson(state, { type: 'CompleteLesson', lessonId: LESSONS[0], now }), []);
  });

  it('completes the course with the last lesson, in any order', () => {
    const { state, events } = run(
      fresh,
      enroll,
      complete(LESSONS[2]),
      complete(LESSONS[0]),
      complete(LESSONS[1]),
    );
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'feeds.Enrolled',
        'feeds.LessonCompleted',
        'feeds.LessonCompleted',
        'feeds.LessonCompleted',
        'feeds.CourseCompleted',
      ],
    );
    const last = events[4];
    assert.deepEqual(courseCompletedV1(last.payload, 'payload'), {
      courseId: COURSE,
      userId: USER,
      totalLessons: 3,
      completedAt: '2026-07-01T10:00:00.000Z',
    });
    assert.deepEqual([progressOf(state), state.completedAt], [1, now]);
    assert.deepEqual(run(state, complete(LESSONS[1])).events, []);
  });

  it('completes a one-lesson course with its only lesson', () => {
    const single = initialEnrollment({ courseId: COURSE, lessonIds: [LESSONS[0]] }, USER);
    const { events } = run(single, enroll, complete(LESSONS[0]));
    assert.deepEqual(
      events.map((event) => event.type),
      ['feeds.Enrolled', 'feeds.LessonCompleted', 'feeds.CourseCompleted'],
    );
  });

  it('refuses a lesson of another course, naming lessonId', () => {
    const { state } = run(fresh, enroll);
    const work = () => decideEnrollment(state, complete('d2000000-0000-4000-8000-000000000999'));
    assert.equal(codeOf(work), FeedsErrorCodes.lessonNotInCourse);
    assert.equal(pathOf(work), 'lessonId');
  });

  it('refuses to complete a lesson before enrolling', () => {
    assert.equal(
      codeOf(() => decideEnrollment(fresh, complete(LESSONS[0]))),
      FeedsErrorCodes.notEnrolled,
    );
  });
});
