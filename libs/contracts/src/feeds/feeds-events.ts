import { UnknownEventError } from '../energy/energy-events';
import { array, Check, ContractViolation, Infer, int, isoInstant, object, str, uuid } from '../validation';

export const COURSE_AGGREGATE = 'Course';
/** Aggregate id `${userId}:${courseId}` (see enrollmentAggregateId): one enrollment per user and course. */
export const ENROLLMENT_AGGREGATE = 'Enrollment';
/** The follow edges a user has drawn; aggregate id = the follower's user id. */
export const USER_FOLLOWS_AGGREGATE = 'UserFollows';
/** Posts and achievements of a user; aggregate id = the user id. */
export const USER_ACTIVITY_AGGREGATE = 'UserActivity';

/** Deterministic, so a second enroll of the same user in the same course hits the same stream. */
export const enrollmentAggregateId = (userId: string, courseId: string): string => `${userId}:${courseId}`;

export const TAG_PATTERN = /^[a-z0-9-]{1,32}$/;
export const ACHIEVEMENT_CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const FORBIDDEN_IN_LINE = /[\p{Cc}\p{Cs}]/u;
const FORBIDDEN_IN_TEXT = /(?![\n\t])[\p{Cc}\p{Cs}]/u;

/** Plain text measured in Unicode code points (not UTF-16 units), as the domain measures it. */
const text =
  (max: number, opts: { multiline?: boolean } = {}): Check<string> =>
  (value, path) => {
    const checked = str({ min: 1 })(value, path);
    let length = 0;
    for (const _char of checked) length += 1;
    if (length > max) throw new ContractViolation(path, `longer than ${max} code points`);
    if ((opts.multiline ? FORBIDDEN_IN_TEXT : FORBIDDEN_IN_LINE).test(checked)) {
      throw new ContractViolation(path, 'contains a control character');
    }
    return checked;
  };

const refine =
  <T>(check: Check<T>, rule: (value: T, path: string) => void): Check<T> =>
  (value, path) => {
    const checked = check(value, path);
    rule(checked, path);
    return checked;
  };
const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

const lessonV1 = object({
  lessonId: uuid,
  title: text(200),
  position: int({ min: 1, max: 100 }),
  durationMinutes: int({ min: 1, max: 600 }),
});
const coursePublishedV1Shape = {
  courseId: uuid,
  authorId: uuid,
  title: text(200),
  summary: text(2000, { multiline: true }),
  /** Lower-case `[a-z0-9-]`, 1..32 each, no duplicates. */
  tags: array(str({ pattern: TAG_PATTERN }), { max: 10 }),
  /** In order: lessons[i].position = i + 1. */
  lessons: array(lessonV1, { min: 1, max: 100 }),
  publishedAt: isoInstant,
};
export type CoursePublishedV1 = Infer<typeof coursePublishedV1Shape>;
export const coursePublishedV1: Check<CoursePublishedV1> = refine(
  object(coursePublishedV1Shape),
  (course, path) => {
    course.tags.forEach((tag, i) => {
      if (course.tags.indexOf(tag) !== i)
        throw new ContractViolation(`${at(path, 'tags')}[${i}]`, 'repeated');
    });
    course.lessons.forEach((lesson, i) => {
      if (lesson.position !== i + 1) {
        throw new ContractViolation(`${at(path, 'lessons')}[${i}].position`, `must be ${i + 1}`);
      }
    });
  },
);

const enrolledV1Shape = {
  courseId: uuid,
  userId: uuid,
  totalLessons: int({ min: 1, max: 100 }),
  enrolledAt: isoInstant,
};
export type EnrolledV1 = Infer<typeof enrolledV1Shape>;
export const enrolledV1: Check<EnrolledV1> = object(enrolledV1Shape);

const lessonCompletedV1Shape = {
  courseId: uuid,
  userId: uuid,
  lessonId: uuid,
  /** Distinct lessons of the course completed so far, this one included. */
  completedLessons: int({ min: 1, max: 100 }),
  totalLessons: int({ min: 1, max: 100 }),
  completedAt: isoInstant,
};
export type LessonCompletedV1 = Infer<typeof lessonCompletedV1Shape>;
export const lessonCompletedV1: Check<LessonCompletedV1> = refine(
  object(lessonCompletedV1Shape),
  (event, path) => {
    if (event.completedLessons > event.totalLessons) {
      throw new ContractViolation(at(path, 'completedLessons'), 'above totalLessons');
    }
  },
);

const courseCompletedV1Shape = {
  courseId: uuid,
  userId: uuid,
  totalLessons: int({ min: 1, max: 100 }),
  completedAt: isoInstant,
};
export type CourseCompletedV1 = Infer<typeof courseCompletedV1Shape>;
export const courseCompletedV1: Check<CourseCompletedV1> = object(courseCompletedV1Shape);

const notSelf = (event: { followerId: string; followeeId: string }, path: string) => {
  if (event.followerId === event.followeeId)
    throw new ContractViolation(at(path, 'followeeId'), 'is the follower');
};
const followedV1Shape = { followerId: uuid, followeeId: uuid, followedAt: isoInstant };
export type FollowedV1 = Infer<typeof followedV1Shape>;
export const followedV1: Check<FollowedV1> = refine(object(followedV1Shape), notSelf);

const unfollowedV1Shape = { followerId: uuid, followeeId: uuid, unfollowedAt: isoInstant };
export type UnfollowedV1 = Infer<typeof unfollowedV1Shape>;
export const unfollowedV1: Check<UnfollowedV1> = refine(object(unfollowedV1Shape), notSelf);

const updatePostedV1Shape = {
  postId: uuid,
  userId: uuid,
  /** Plain text, trimmed, 1..500 code points; newlines and tabs are the only control characters. */
  text: text(500, { multiline: true }),
  postedAt: isoInstant,
};
export type UpdatePostedV1 = Infer<typeof updatePostedV1Shape>;
export const updatePostedV1: Check<UpdatePostedV1> = object(updatePostedV1Shape);

const achievementEarnedV1Shape = {
  userId: uuid,
  code: str({ pattern: ACHIEVEMENT_CODE_PATTERN }),
  title: text(100),
  earnedAt: isoInstant,
};
export type AchievementEarnedV1 = Infer<typeof achievementEarnedV1Shape>;
export const achievementEarnedV1: Check<AchievementEarnedV1> = object(achievementEarnedV1Shape);

export const FeedsEventTypes = {
  CoursePublished: 'feeds.CoursePublished',
  Enrolled: 'feeds.Enrolled',
  LessonCompleted: 'feeds.LessonCompleted',
  CourseCompleted: 'feeds.CourseCompleted',
  Followed: 'feeds.Followed',
  Unfollowed: 'feeds.Unfollowed',
  UpdatePosted: 'feeds.UpdatePosted',
  AchievementEarned: 'feeds.AchievementEarned',
} as const;

export type CoursePublishedEvent = {
  type: typeof FeedsEventTypes.CoursePublished;
  schemaVersion: 1;
  payload: CoursePublishedV1;
};
export type EnrolledEvent = { type: typeof FeedsEventTypes.Enrolled; schemaVersion: 1; payload: EnrolledV1 };
export type LessonCompletedEvent = {
  type: typeof FeedsEventTypes.LessonCompleted;
  schemaVersion: 1;
  payload: LessonCompletedV1;
};
export type CourseCompletedEvent = {
  type: typeof FeedsEventTypes.CourseCompleted;
  schemaVersion: 1;
  payload: CourseCompletedV1;
};
export type FollowedEvent = { type: typeof FeedsEventTypes.Followed; schemaVersion: 1; payload: FollowedV1 };
export type UnfollowedEvent = {
  type: typeof FeedsEventTypes.Unfollowed;
  schemaVersion: 1;
  payload: UnfollowedV1;
};
export type UpdatePostedEvent = {
  type: typeof FeedsEventTypes.UpdatePosted;
  schemaVersion: 1;
  payload: UpdatePostedV1;
};
export type AchievementEarnedEvent = {
  type: typeof FeedsEventTypes.AchievementEarned;
  schemaVersion: 1;
  payload: AchievementEarnedV1;
};

export type FeedsEvent =
  | CoursePublishedEvent
  | EnrolledEvent
  | LessonCompletedEvent
  | CourseCompletedEvent
  | FollowedEvent
  | UnfollowedEvent
  | UpdatePostedEvent
  | AchievementEarnedEvent;

/** Validates a payload by type and version; a later schemaVersion gets an upcaster here. */
export function parseFeedsEvent(type: string, schemaVersion: number, payload: unknown): FeedsEvent {
  if (schemaVersion === 1) {
    switch (type) {
      case FeedsEventTypes.CoursePublished:
        return { type, schemaVersion, payload: coursePublishedV1(payload, 'payload') };
      case FeedsEventTypes.Enrolled:
        return { type, schemaVersion, payload: enrolledV1(payload, 'payload') };
      case FeedsEventTypes.LessonCompleted:
        return { type, schemaVersion, payload: lessonCompletedV1(payload, 'payload') };
      case FeedsEventTypes.CourseCompleted:
        return { type, schemaVersion, payload: courseCompletedV1(payload, 'payload') };
      case FeedsEventTypes.Followed:
        return { type, schemaVersion, payload: followedV1(payload, 'payload') };
      case FeedsEventTypes.Unfollowed:
        return { type, schemaVersion, payload: unfollowedV1(payload, 'payload') };
      case FeedsEventTypes.UpdatePosted:
        return { type, schemaVersion, payload: updatePostedV1(payload, 'payload') };
      case FeedsEventTypes.AchievementEarned:
        return { type, schemaVersion, payload: achievementEarnedV1(payload, 'payload') };
    }
  }
  throw new UnknownEventError(type, schemaVersion);
}

/** The stream an event is appended to; its aggregateId is also the Kafka key. */
export function feedsAggregateOf(event: FeedsEvent): { aggregateType: string; aggregateId: string } {
  switch (event.type) {
    case FeedsEventTypes.CoursePublished:
      return { aggregateType: COURSE_AGGREGATE, aggregateId: event.payload.courseId };
    case FeedsEventTypes.Enrolled:
    case FeedsEventTypes.LessonCompleted:
    case FeedsEventTypes.CourseCompleted:
      return {
        aggregateType: ENROLLMENT_AGGREGATE,
        aggregateId: enrollmentAggregateId(event.payload.userId, event.payload.courseId),
      };
    case FeedsEventTypes.Followed:
    case FeedsEventTypes.Unfollowed:
      return { aggregateType: USER_FOLLOWS_AGGREGATE, aggregateId: event.payload.followerId };
    case FeedsEventTypes.UpdatePosted:
    case FeedsEventTypes.AchievementEarned:
      return { aggregateType: USER_ACTIVITY_AGGREGATE, aggregateId: event.payload.userId };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
