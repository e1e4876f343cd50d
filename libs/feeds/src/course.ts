import {
  CoursePublishedEvent,
  DomainError,
  ErrorCodes,
  FeedsEventTypes,
  FieldError,
  Role,
  TAG_PATTERN,
} from '@voltstream/contracts';
import { FeedsErrorCodes } from './feeds-errors';
import { checkText } from './plain-text';

export const COURSE_TITLE_MAX = 200;
export const COURSE_SUMMARY_MAX = 2000;
export const MAX_TAGS = 10;
export const MAX_LESSONS = 100;
export const MAX_LESSON_MINUTES = 600;
export const PUBLISHER_ROLES: readonly Role[] = ['INSTRUCTOR', 'ADMIN'];

export interface LessonInput {
  title: string;
  durationMinutes: number;
}

export interface PublishCourseInput {
  title: string;
  summary: string;
  tags?: readonly string[] | null;
  /** In the order the course teaches them. */
  lessons: readonly LessonInput[];
}

export interface PublishCourse {
  type: 'PublishCourse';
  courseId: string;
  author: { userId: string; roles: readonly Role[] };
  input: PublishCourseInput;
  /** Minted by the handler: one id per lesson, in order. */
  lessonIds: readonly string[];
  now: Date;
}

/** `' Heat Pumps '` → `heat-pumps`; what is left must be 1..32 of `[a-z0-9-]`. */
export const normaliseTag = (raw: string): string => raw.trim().toLowerCase().replace(/\s+/g, '-');

export function decidePublishCourse(command: PublishCourse): CoursePublishedEvent {
  const { input, author } = command;
  if (!author.roles.some((role) => PUBLISHER_ROLES.includes(role))) {
    throw new DomainError(ErrorCodes.forbidden, 'only instructors publish courses');
  }
  const title = checkText(input.title, {
    path: 'input.title',
    max: COURSE_TITLE_MAX,
    multiline: false,
    code: FeedsErrorCodes.invalidTitle,
  });
  const summary = checkText(input.summary, {
    path: 'input.summary',
    max: COURSE_SUMMARY_MAX,
    multiline: true,
    code: FeedsErrorCodes.invalidSummary,
  });
  const tags = checkTags(input.tags ?? []);
  const lessons = checkLessons(input.lessons);
  const errors = [...title.errors, ...summary.errors, ...tags.errors, ...lessons.errors];
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  if (command.lessonIds.length < input.lessons.length) throw new RangeError('one lesson id per lesson');
  return {
    type: FeedsEventTypes.CoursePublished,
    schemaVersion: 1,
    payload: {
      courseId: command.courseId,
      authorId: author.userId,
      title: title.text,
      summary: summary.text,
      tags: tags.tags,
      lessons: lessons.lessons.map((lesson, index) => ({
        lessonId: command.lessonIds[index],
        title: lesson.title,
        position: index + 1,
        durationMinutes: lesson.durationMinutes,
      })),
      publishedAt: command.now.toISOString(),
    },
  };
}

/** Normalised, then deduplicated in first-seen order; the limit counts distinct tags. */
function checkTags(raw: readonly string[]): { tags: string[]; errors: FieldError[] } {
  const tags: string[] = [];
  const errors: FieldError[] = [];
  raw.forEach((value, index) => {
    const tag = normaliseTag(value);
    if (!TAG_PATTERN.test(tag)) {
      errors.push({
        path: `input.tags[${index}]`,
        code: FeedsErrorCodes.invalidTag,
        message: '1 to 32 lower-case letters, digits or dashes',
      });
    } else if (!tags.includes(tag)) {
      tags.push(tag);
    }
  });
  if (tags.length > MAX_TAGS) {
    errors.push({
      path: 'input.tags',
      code: FeedsErrorCodes.tooManyTags,
      message: `at most ${MAX_TAGS} tags`,
    });
  }
  return { tags, errors };
}

function checkLessons(raw: readonly LessonInput[]): { lessons: LessonInput[]; errors: FieldError[] } {
  if (raw.length < 1 || raw.length > MAX_LESSONS) {
    return {
      lessons: [],
      errors: [
        {
          path: 'input.lessons',
          code: FeedsErrorCodes.invalidLessons,
          message: `1 to ${MAX_LESSONS} lessons`,
        },
      ],
    };
  }
  const errors: FieldError[] = [];
  const lessons = raw.map((lesson, index) => {
    const path = `input.lessons[${index}]`;
    const title = checkText(lesson.title, {
      path: `${path}.title`,
      max: COURSE_TITLE_MAX,
      multiline: false,
      code: FeedsErrorCodes.invalidTitle,
    });
    errors.push(...title.errors);
    const minutes = lesson.durationMinutes;
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_LESSON_MINUTES) {
      errors.push({
        path: `${path}.durationMinutes`,
        code: FeedsErrorCodes.invalidLessonDuration,
        message: `whole minutes, 1 to ${MAX_LESSON_MINUTES}`,
      });
    }
    return { title: title.text, durationMinutes: minutes };
  });
  return { lessons, errors };
}
