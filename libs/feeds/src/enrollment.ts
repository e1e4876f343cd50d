import {
  CourseCompletedEvent,
  DomainError,
  EnrolledEvent,
  FeedsEventTypes,
  LessonCompletedEvent,
} from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';

export type EnrollmentEvent = EnrolledEvent | LessonCompletedEvent | CourseCompletedEvent;

/** One user in one course (aggregate id `${userId}:${courseId}`). */
export interface EnrollmentState {
  courseId: string;
  userId: string;
  /** The course's lessons, in order, as published. */
  lessonIds: readonly string[];
  completed: ReadonlySet<string>;
  /** null until the user enrolls. */
  enrolledAt: Date | null;
  completedAt: Date | null;
}

export interface Enroll {
  type: 'Enroll';
  now: Date;
}

export interface CompleteLesson {
  type: 'CompleteLesson';
  lessonId: string;
  now: Date;
}

export type EnrollmentCommand = Enroll | CompleteLesson;

/** The state before any event: the course is known, the user is not enrolled yet. */
export function initialEnrollment(
  course: { courseId: string; lessonIds: readonly string[] },
  userId: string,
): EnrollmentState {
  return {
    courseId: course.courseId,
    userId,
    lessonIds: [...course.lessonIds],
    completed: new Set(),
    enrolledAt: null,
    completedAt: null,
  };
}

/** Completed lessons over all lessons, 0..1. */
export const progressOf = (state: EnrollmentState): number => state.completed.size / state.lessonIds.length;

/** Enrolling twice changes nothing and returns no events. */
export function decideEnroll(state: EnrollmentState, command: Enroll): EnrollmentEvent[] {
  if (state.enrolledAt !== null) return [];
  return [
    {
      type: FeedsEventTypes.Enrolled,
      schemaVersion: 1,
      payload: {
        courseId: state.courseId,
        userId: state.userId,
        totalLessons: state.lessonIds.length,
        enrolledAt: command.now.toISOString(),
      },
    },
  ];
}

/** Completing a lesson twice returns no events; the last lesson also completes the course. */
export function decideCompleteLesson(state: EnrollmentState, command: CompleteLesson): EnrollmentEvent[] {
  const { lessonId, now } = command;
  if (!state.lessonIds.includes(lessonId)) {
    throw DomainError.fromFieldErrors([
      { path: 'lessonId', code: FeedsErrorCodes.lessonNotInCourse, message: 'not a lesson of this course' },
    ]);
  }
  if (state.enrolledAt === null) {
    throw new DomainError(FeedsErrorCodes.notEnrolled, 'enroll in the course before completing lessons');
  }
  if (state.completed.has(lessonId)) return [];
  const base = { courseId: state.courseId, userId: state.userId, totalLessons: state.lessonIds.length };
  const completedLessons = state.completed.size + 1;
  const events: EnrollmentEvent[] = [
    {
      type: FeedsEventTypes.LessonCompleted,
      schemaVersion: 1,
      payload: { ...base, lessonId, completedLessons, completedAt: now.toISOString() },
    },
  ];
  if (completedLessons === state.lessonIds.length) {
    events.push({
      type: FeedsEventTypes.CourseCompleted,
      schemaVersion: 1,
      payload: { ...base, completedAt: now.toISOString() },
    });
  }
  return events;
}

export function decideEnrollment(state: EnrollmentState, command: EnrollmentCommand): EnrollmentEvent[] {
  switch (command.type) {
    case 'Enroll':
      return decideEnroll(state, command);
    case 'CompleteLesson':
      return decideCompleteLesson(state, command);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export function evolveEnrollment(state: EnrollmentState, event: EnrollmentEvent): EnrollmentState {
  switch (event.type) {
    case FeedsEventTypes.Enrolled:
      return { ...state, enrolledAt: new Date(event.payload.enrolledAt) };
    case FeedsEventTypes.LessonCompleted:
      return { ...state, completed: new Set([...state.completed, event.payload.lessonId]) };
    case FeedsEventTypes.CourseCompleted:
      return { ...state, completedAt: new Date(event.payload.completedAt) };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
