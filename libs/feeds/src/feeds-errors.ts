/** Stable codes of the feeds domain (API.md: domain codes such as ENERGY.READING_IN_FUTURE). */
export const FeedsErrorCodes = {
  invalidTitle: 'FEEDS.INVALID_TITLE',
  invalidSummary: 'FEEDS.INVALID_SUMMARY',
  invalidTag: 'FEEDS.INVALID_TAG',
  tooManyTags: 'FEEDS.TOO_MANY_TAGS',
  invalidLessons: 'FEEDS.INVALID_LESSONS',
  invalidLessonDuration: 'FEEDS.INVALID_LESSON_DURATION',
  invalidCharacters: 'FEEDS.INVALID_CHARACTERS',
  lessonNotInCourse: 'FEEDS.LESSON_NOT_IN_COURSE',
  notEnrolled: 'FEEDS.NOT_ENROLLED',
  cannotFollowSelf: 'FEEDS.CANNOT_FOLLOW_SELF',
  invalidPostText: 'FEEDS.INVALID_POST_TEXT',
} as const;
