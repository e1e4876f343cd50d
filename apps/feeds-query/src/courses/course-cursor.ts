import { DomainError, ErrorCodes, UUID_PATTERN } from '@voltstream/contracts';

/** Where a page of courses ended: newest first by publication, or by search rank. */
export type CoursePosition =
  { kind: 'newest'; publishedAt: Date; id: string } | { kind: 'search'; rank: number; id: string };

const MAX_TIME_MS = 8.64e15;

/** Opaque to clients: base64url of `["n", publishedAtMs, id]` or `["s", rank, id]`. */
export function encodeCourseCursor(position: CoursePosition): string {
  const body =
    position.kind === 'newest'
      ? ['n', position.publishedAt.getTime(), position.id]
      : ['s', position.rank, position.id];
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * BAD_USER_INPUT at `path` for anything this connection did not hand out, and for a cursor of
 * the other ordering (a search cursor without `search`, or the reverse).
 */
export function decodeCourseCursor(cursor: string, searching: boolean, path = 'after'): CoursePosition {
  const refuse = (message: string) =>
    DomainError.fromFieldErrors([{ path, code: ErrorCodes.badUserInput, message }]);
  let decoded: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw refuse('not a cursor of this connection');
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse('not a cursor of this connection');
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) throw refuse('not a cursor of this connection');
  const [kind, key, id] = decoded as unknown[];
  if (typeof id !== 'string' || !UUID_PATTERN.test(id) || typeof key !== 'number' || !Number.isFinite(key)) {
    throw refuse('not a cursor of this connection');
  }
  if (kind === 'n' && Number.isSafeInteger(key) && Math.abs(key) <= MAX_TIME_MS) {
    if (searching) throw refuse('a cursor of the list without `search`');
    return { kind: 'newest', publishedAt: new Date(key), id };
  }
  if (kind === 's' && key >= 0) {
    if (!searching) throw refuse('a cursor of a search');
    return { kind: 'search', rank: key, id };
  }
  throw refuse('not a cursor of this connection');
}
