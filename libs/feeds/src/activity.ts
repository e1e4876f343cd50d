import { FeedsEvent, FeedsEventTypes } from '@voltstream/contracts';

export const ActivityVerbs = [
  'ENROLLED',
  'COMPLETED_LESSON',
  'COMPLETED_COURSE',
  'EARNED_ACHIEVEMENT',
  'POSTED',
  'FOLLOWED',
] as const;
export type ActivityVerb = (typeof ActivityVerbs)[number];

/** A line of the feed. Its ordering key is (at, activityId), newest first (feed-cursor.ts). */
export interface Activity {
  /** The id of the event envelope that caused it, so a redelivered event inserts the same row. */
  activityId: string;
  actorId: string;
  verb: ActivityVerb;
  courseId: string | null;
  /** FOLLOWED: the user followed. */
  targetUserId: string | null;
  /** POSTED: the post's plain text; EARNED_ACHIEVEMENT: the achievement's title. */
  text: string | null;
  at: Date;
}

/** The activity an event shows in feeds, or null (publishing a course and unfollowing show none). */
export function activityFromEvent(eventId: string, event: FeedsEvent): Activity | null {
  const base = { activityId: eventId, courseId: null, targetUserId: null, text: null };
  switch (event.type) {
    case FeedsEventTypes.CoursePublished:
    case FeedsEventTypes.Unfollowed:
      return null;
    case FeedsEventTypes.Enrolled: {
      const { userId, courseId, enrolledAt } = event.payload;
      return { ...base, actorId: userId, verb: 'ENROLLED', courseId, at: new Date(enrolledAt) };
    }
    case FeedsEventTypes.LessonCompleted: {
      const { userId, courseId, completedAt } = event.payload;
      return { ...base, actorId: userId, verb: 'COMPLETED_LESSON', courseId, at: new Date(completedAt) };
    }
    case FeedsEventTypes.CourseCompleted: {
      const { userId, courseId, completedAt } = event.payload;
      return { ...base, actorId: userId, verb: 'COMPLETED_COURSE', courseId, at: new Date(completedAt) };
    }
    case FeedsEventTypes.Followed: {
      const { followerId, followeeId, followedAt } = event.payload;
      return {
        ...base,
        actorId: followerId,
        verb: 'FOLLOWED',
        targetUserId: followeeId,
        at: new Date(followedAt),
      };
    }
    case FeedsEventTypes.UpdatePosted: {
      const { userId, text, postedAt } = event.payload;
      return { ...base, actorId: userId, verb: 'POSTED', text, at: new Date(postedAt) };
    }
    case FeedsEventTypes.AchievementEarned: {
      const { userId, title, earnedAt } = event.payload;
      return { ...base, actorId: userId, verb: 'EARNED_ACHIEVEMENT', text: title, at: new Date(earnedAt) };
    }
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
