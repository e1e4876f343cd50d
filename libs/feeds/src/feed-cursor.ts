import { DomainError, ErrorCodes } from '@voltstream/contracts';

/** The ordering key of a feed: newest `at` first, ties broken by the larger activityId first. */
export interface FeedPosition {
  /** Millisecond precision: store it as such, or a cursor will not find its own row again. */
  at: Date;
  activityId: string;
}

const ACTIVITY_ID = /^[A-Za-z0-9:_-]{1,100}$/;
const CURSOR = /^[A-Za-z0-9_-]{1,300}$/;
const MAX_TIME_MS = 8.64e15;

/**
 * Negative when `a` comes first. Ids compare by UTF-16 code unit, which for the ASCII ids used
 * here is byte order: Postgres must compare them the same way (a uuid column, or COLLATE "C").
 */
export function compareNewestFirst(a: FeedPosition, b: FeedPosition): number {
  const byTime = b.at.getTime() - a.at.getTime();
  if (byTime !== 0) return byTime;
  if (a.activityId === b.activityId) return 0;
  return a.activityId > b.activityId ? -1 : 1;
}

/** Whether `position` belongs on a page after `cursor`: `(at, id) < (cursor.at, cursor.id)` in SQL. */
export const isAfterCursor = (position: FeedPosition, cursor: FeedPosition): boolean =>
  compareNewestFirst(position, cursor) > 0;

/** Opaque to clients: base64url of the JSON `[atMs, activityId]`. */
export const encodeFeedCursor = (position: FeedPosition): string =>
  Buffer.from(JSON.stringify([position.at.getTime(), position.activityId]), 'utf8').toString('base64url');

/** Anything that `encodeFeedCursor` did not produce is BAD_USER_INPUT at `path`. */
export function decodeFeedCursor(cursor: string, path = 'after'): FeedPosition {
  const refuse = () =>
    DomainError.fromFieldErrors([
      { path, code: ErrorCodes.badUserInput, message: 'not a cursor of this feed' },
    ]);
  if (!CURSOR.test(cursor)) throw refuse();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw refuse();
  const [atMs, activityId] = decoded as unknown[];
  if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs) || Math.abs(atMs) > MAX_TIME_MS) throw refuse();
  if (typeof activityId !== 'string' || !ACTIVITY_ID.test(activityId)) throw refuse();
  return { at: new Date(atMs), activityId };
}
