import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { compareNewestFirst, encodeFeedCursor, FeedPosition } from './feed-cursor';

/** Fan-out-on-write rows kept per user; older ones are trimmed, so a feed ends after them. */
export const FEED_ROWS_PER_USER = 1000;
/** Authors with more followers than this are read at query time instead of fanned out. */
export const FAN_OUT_THRESHOLD = 1000;
/** How many of a followee's newest activities a follow copies into the follower's feed. */
export const FOLLOW_BACKFILL = 50;
export const DEFAULT_FEED_PAGE_SIZE = 20;
export const MAX_FEED_PAGE_SIZE = 100;

export type FanOutPolicy = 'write' | 'read';

/** 'write': copy the activity into every follower's feed rows; 'read': followers read it at query time. */
export function fanOutPolicy(followerCount: number, threshold: number = FAN_OUT_THRESHOLD): FanOutPolicy {
  if (!Number.isSafeInteger(followerCount) || followerCount < 0) throw new RangeError('followerCount ≥ 0');
  if (!Number.isSafeInteger(threshold) || threshold < 0) throw new RangeError('threshold ≥ 0');
  return followerCount > threshold ? 'read' : 'write';
}

/** `first` of the feed query: 20 when absent, otherwise 1..100 (BAD_USER_INPUT at `first`). */
export function feedPageSize(first?: number | null): number {
  if (first === undefined || first === null) return DEFAULT_FEED_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FEED_PAGE_SIZE) {
    throw DomainError.fromFieldErrors([
      { path: 'first', code: ErrorCodes.badUserInput, message: `1 to ${MAX_FEED_PAGE_SIZE}` },
    ]);
  }
  return first;
}

export interface FeedPage<T extends FeedPosition> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

/**
 * Merges newest-first lists (the user's fan-out rows, celebrities' recent activities) into one
 * page without duplicates. Each list must already be cut at the same `after` cursor and hold up
 * to `first + 1` items, so that one more item than the page shows whether there is a next page.
 */
export function mergeFeeds<T extends FeedPosition>(
  pages: readonly (readonly T[])[],
  first: number,
): FeedPage<T> {
  if (!Number.isSafeInteger(first) || first < 0) throw new RangeError('first ≥ 0');
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const item of pages.flat().sort(compareNewestFirst)) {
    if (seen.has(item.activityId)) continue;
    seen.add(item.activityId);
    merged.push(item);
  }
  const nodes = merged.slice(0, first);
  const last = nodes.at(-1);
  return {
    nodes,
    hasNextPage: merged.length > first,
    endCursor: last ? encodeFeedCursor(last) : null,
  };
}
