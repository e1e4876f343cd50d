import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coursePublishedV1, DomainError, ErrorCodes } from '@voltstream/contracts';
import { decidePublishCourse, LessonInput, PublishCourse, PublishCourseInput } from './course';
import { FeedsErrorCodes } from './feeds-errors';
import { codeOf, pathOf } from './feeds-spec-helpers';

const AUTHOR = 'c1000000-0000-4000-8000-000000000001';
const lessonId = (i: number) => `c1000000-0000-4000-8000-${String(1000 + i).padStart(12, '0')}`;
const lesson = (title: string, durationMinutes = 10): LessonInput => ({ title, durationMinutes });
const input: PublishCourseInput = {
  title: '  Heat pumps, explained ',
  summary: 'What a heat pump costs to run.\n\tAnd when it pays off.',
  tags: ['Heat Pumps', 'home', 'HOME', ' heat-pumps '],
  lessons: [lesson('How they work', 12), lesson('Sizing', 600)],
};
const publish = (
  override: Partial<PublishCourseInput> = {},
  roles: PublishCourse['author']['roles'] = ['INSTRUCTOR'],
): PublishCourse => {
  const lessons = override.lessons ?? input.lessons;
  return {
    type: 'PublishCourse',
    courseId: 'c1000000-0000-4000-8000-000000000002',
    author: { userId: AUTHOR, roles },
    input: { ...input, ...override },
    lessonIds: lessons.map((_, i) => lessonId(i)),
    now: new Date('2026-07-01T09:00:00Z'),
  };
};

describe('publishing a course', () => {
  it('numbers the lessons in order, trims the texts and normalises and deduplicates the tags', () => {
    const event = decidePublishCourse(publish());
    assert.equal(event.type, 'feeds.CoursePublished');
    assert.deepEqual(event.payload, {
      courseId: 'c1000000-0000-4000-8000-000000000002',
      authorId: AUTHOR,
      title: 'Heat pumps, explained',
      summary: 'What a heat pump costs to run.\n\tAnd when it pays off.',
      tags: ['heat-pumps', 'home'],
      lessons: [
        { lessonId: lessonId(0), title: 'How they work', position: 1, durationMinutes: 12 },
        { lessonId: lessonId(1), title: 'Sizing', position: 2, durationMinutes: 600 },
      ],
      publishedAt: '2026-07-01T09:00:00.000Z',
    });
    assert.deepEqual(coursePublishedV1(event.payload, 'payload'), event.payload);
  });

  it('lets instructors and admins publish and forbids everyone else', () => {
    assert.equal(
      codeOf(() => decidePublishCourse(publish({}, ['ADMIN']))),
      'accepted',
    );
    assert.equal(
      codeOf(() => decidePublishCourse(publish({}, ['CUSTOMER']))),
      ErrorCodes.forbidden,
    );
    assert.equal(
      codeOf(() => decidePublishCourse(publish({}, []))),
      ErrorCodes.forbidden,
    );
  });

  it('counts a title in code points: 200 emoji pass, 201 do not, blank is refused', () => {
    assert.equal(decidePublishCourse(publish({ title: '🔥'.repeat(200) })).payload.title, '🔥'.repeat(200));
    for (const title of ['🔥'.repeat(201), '   ']) {
      assert.equal(
        codeOf(() => decidePublishCourse(publish({ title }))),
        FeedsErrorCodes.invalidTitle,
      );
    }
    assert.equal(
      codeOf(() => decidePublishCourse(publish({ title: 'Two\nlines' }))),
      FeedsErrorCodes.invalidCharacters,
    );
  });

  it('refuses a summary that is blank or longer than 2000 characters', () => {
    for (const summary of ['\n\t ', 'a'.repeat(2001)]) {
      assert.equal(
        pathOf(() => decidePublishCourse(publish({ summary }))),
        'input.summary',
      );
    }
    assert.equal(
      codeOf(() => decidePublishCourse(publish({ summary: 'a'.repeat(2000) }))),
      'accepted',
    );
  });

  it('refuses a tag outside [a-z0-9-] or longer than 32, naming its index', () => {
    for (const tag of ['c#', 'x'.repeat(33), '', 'énergie']) {
      const work = () => decidePublishCourse(publish({ tags: ['home', tag] }));
      assert.equal(codeOf(work), FeedsErrorCodes.invalidTag, tag);
      assert.equal(pathOf(work), 'input.tags[1]', tag);
    }
    assert.deepEqual(decidePublishCourse(publish({ tags: null })).payload.tags, []);
  });

  it('allows ten distinct tags after deduplication and refuses eleven', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `tag-${i}`);
    assert.equal(decidePublishCourse(publish({ tags: [...ten, 'TAG-0'] })).payload.tags.length, 10);
    assert.equal(
      codeOf(() => decidePublishCourse(publish({ tags: [...ten, 'tag-10'] }))),
      FeedsErrorCodes.tooManyTags,
    );
  });

  it('needs 1 to 100 lessons of 1 to 600 whole minutes', () => {
    assert.equal(
      codeOf(() => decidePublishCourse(publish({ lessons: [] }))),
      FeedsErrorCodes.invalidLessons,
    );
    const many = Array.from({ length: 101 }, (_, i) => lesson(`Lesson ${i}`));
    assert.equal(
      codeOf(() => decidePublishCourse(publish({ lessons: many }))),
      FeedsErrorCodes.invalidLessons,
    );
    assert.equal(decidePublishCourse(publish({ lessons: many.slice(1) })).payload.lessons[99].position, 100);
    for (const minutes of [0, 601, 1.5, Number.NaN]) {
      const work = () =>
        decidePublishCourse(publish({ lessons: [lesson('Intro'), lesson('Sizing', minutes)] }));
      assert.equal(codeOf(work), FeedsErrorCodes.invalidLessonDuration, String(minutes));
      assert.equal(pathOf(work), 'input.lessons[1].durationMinutes');
    }
  });

  it('reports every problem of the input at once, each with its path', () => {
    try {
      decidePublishCourse(publish({ title: '', tags: ['ok', '!'], lessons: [lesson(' ', 0)] }));
      assert.fail('expected a DomainError');
    } catch (error) {
      assert.ok(error instanceof DomainError);
      assert.deepEqual(
        error.fieldErrors.map((problem) => [problem.path, problem.code]),
        [
          ['input.title', 'FEEDS.INVALID_TITLE'],
          ['input.tags[1]', 'FEEDS.INVALID_TAG'],
          ['input.lessons[0].title', 'FEEDS.INVALID_TITLE'],
          ['input.lessons[0].durationMinutes', 'FEEDS.INVALID_LESSON_DURATION'],
        ],
      );
    }
  });
});
