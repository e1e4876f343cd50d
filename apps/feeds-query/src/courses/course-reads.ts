import { DomainError, ErrorCodes, TAG_PATTERN } from '@voltstream/contracts';
import { normaliseTag } from '@voltstream/feeds';
import { Queryable } from '@voltstream/platform';
import { Connection, CourseView, LessonView } from '../shared/views';
import { decodeCourseCursor, encodeCourseCursor } from './course-cursor';

export interface CourseRow {
  id: string;
  author_id: string;
  title: string;
  summary: string;
  tags: string[];
  published_at: Date;
  enrollment_count: number;
  rank?: number;
}

export const COURSE_COLUMNS = `c.id::text AS id, c.author_id::text AS author_id, c.title, c.summary, c.tags,
  c.published_at, coalesce(s.enrollment_count, 0) AS enrollment_count`;
const FROM_COURSES = 'FROM courses c LEFT JOIN course_stats s ON s.course_id = c.id';

export const courseView = (row: CourseRow): CourseView => ({
  id: row.id,
  authorId: row.author_id,
  title: row.title,
  summary: row.summary,
  tags: row.tags,
  publishedAt: row.published_at,
  enrollmentCount: row.enrollment_count,
});

export async function findCourses(db: Queryable, ids: readonly string[]): Promise<CourseView[]> {
  const rows = await db.query<CourseRow[]>(
    `SELECT ${COURSE_COLUMNS} ${FROM_COURSES} WHERE c.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map(courseView);
}

export async function lessonsOf(
  db: Queryable,
  courseIds: readonly string[],
): Promise<(LessonView & { courseId: string })[]> {
  const rows = await db.query<
    { course_id: string; id: string; title: string; position: number; duration_minutes: number }[]
  >(
    `SELECT course_id::text AS course_id, id::text AS id, title, position, duration_minutes FROM lessons
     WHERE course_id = ANY($1::uuid[]) ORDER BY course_id, position`,
    [courseIds],
  );
  return rows.map((row) => ({
    courseId: row.course_id,
    id: row.id,
    title: row.title,
    position: row.position,
    durationMinutes: row.duration_minutes,
  }));
}

export interface CourseFilter {
  size: number;
  after?: string | null;
  tag?: string | null;
  search?: string | null;
}

const MAX_SEARCH_LENGTH = 200;

/** Normalised filters: a tag as libs/feeds stores tags; a search of at most 200 characters. */
export function courseFilter(args: CourseFilter): { tag: string | null; search: string | null } {
  const tag = args.tag === null || args.tag === undefined ? null : normaliseTag(args.tag);
  const search = args.search?.trim() || null;
  const errors = [];
  if (tag !== null && !TAG_PATTERN.test(tag)) {
    errors.push({ path: 'tag', code: ErrorCodes.badUserInput, message: '1 to 32 of a-z, 0-9 and -' });
  }
  if (search !== null && search.length > MAX_SEARCH_LENGTH) {
    errors.push({ path: 'search', code: ErrorCodes.badUserInput, message: `at most ${MAX_SEARCH_LENGTH}` });
  }
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  return { tag, search };
}

/**
 * One page of courses by keyset: newest first, or by full-text rank (ts_rank over title, tags
 * and summary) when searching; ties broken by id, so pages neither repeat nor skip a course.
 */
export async function coursePage(db: Queryable, args: CourseFilter): Promise<Connection<CourseView>> {
  const { tag, search } = courseFilter(args);
  const after = args.after ? decodeCourseCursor(args.after, search !== null) : null;
  const params: unknown[] = [args.size + 1];
  const where: string[] = [];
  if (tag !== null) where.push(`c.tags @> ARRAY[$${params.push(tag)}::text]`);
  let rank = '';
  let order = 'c.published_at DESC, c.id DESC';
  if (search !== null) {
    const query = `websearch_to_tsquery('english', $${params.push(search)})`;
    rank = `, ts_rank(c.search, ${query}) AS rank`;
    where.push(`c.search @@ ${query}`);
    order = `ts_rank(c.search, ${query}) DESC, c.id DESC`;
    if (after?.kind === 'search') {
      where.push(
        `(ts_rank(c.search, ${query}), c.id) < ($${params.push(after.rank)}::real, $${params.push(after.id)}::uuid)`,
      );
    }
  } else if (after?.kind === 'newest') {
    where.push(
      `(c.published_at, c.id) < ($${params.push(after.publishedAt.toISOString())}::timestamptz, $${params.push(after.id)}::uuid)`,
    );
  }
  const rows = await db.query<CourseRow[]>(
    `SELECT ${COURSE_COLUMNS}${rank} ${FROM_COURSES}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT $1`,
    params,
  );
  const page = rows.slice(0, args.size);
  const last = page.at(-1);
  return {
    nodes: page.map(courseView),
    pageInfo: {
      hasNextPage: rows.length > args.size,
      endCursor: !last
        ? null
        : encodeCourseCursor(
            last.rank !== undefined
              ? { kind: 'search', rank: last.rank, id: last.id }
              : { kind: 'newest', publishedAt: last.published_at, id: last.id },
          ),
    },
  };
}
