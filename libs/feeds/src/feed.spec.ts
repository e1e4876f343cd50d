import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCodes, FeedsEvent, parseFeedsEvent } from '@voltstream/contracts';
import { Activity, activityFromEvent } from './activity';
import { fanOutPolicy, feedPageSize, mergeFeeds } from './feed';
import {
  compareNewestFirst,
  decodeFeedCursor,
  encodeFeedCursor,
  FeedPosition,
  isAfterCursor,
} from './feed-cursor';
import { codeOf, pathOf } from './feeds-spec-helpers';

const USER = 'b9000000-0000-4000-8000-000000000001';
const t0 = Date.parse('2026-07-01T00:00:00Z');
const activity = (activityId: string, atMs: number): Activity => ({
  activityId,
  actorId: USER,
  verb: 'POSTED',
  courseId: null,
  targetUserId: null,
  text: 'hello',
  at: new Date(t0 + atMs),
});
const ids = (items: readonly FeedPosition[]) => items.map((item) => item.activityId);

describe('feed cursors', () => {
  it('round-trips (at, activityId) through a compact opaque cursor', () => {
    const position = {
      at: new Date('2026-07-01T12:34:56.789Z'),
      activityId: 'b9000000-0000-4000-8000-0000000000ff',
    };
    const cursor = encodeFeedCursor(position);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.ok(cursor.length < 80, cursor);
    assert.deepEqual(decodeFeedCursor(cursor), position);
  });

  it('refuses garbage as BAD_USER_INPUT at after', () => {
    const garbage = [
      '',
      'not a cursor!',
      'bm90IGpzb24',
      Buffer.from('{"at":1,"id":"x"}').toString('base64url'),
      Buffer.from('[1.5,"x"]').toString('base64url'),
      Buffer.from('[1,""]').toString('base64url'),
      Buffer.from('[1,"a b"]').toString('base64url'),
      Buffer.from('[1e300,"x"]').toString('base64url'),
      'x'.repeat(301),
    ];
    for (const cursor of garbage) {
      assert.equal(
        codeOf(() => decodeFeedCursor(cursor)),
        ErrorCodes.badUserInput,
        cursor,
      );
      assert.equal(
        pathOf(() => decodeFeedCursor(cursor)),
        'after',
      );
    }
  });

  it('orders newest first and breaks ties of the same instant by the larger id', () => {
    const items = [activity('a', 0), activity('c', 5), activity('b', 5), activity('d', -1)];
    assert.deepEqual(ids([...items].sort(compareNewestFirst)), ['c', 'b', 'a', 'd']);
    assert.ok(isAfterCursor(activity('b', 5), activity('c', 5)));
    assert.ok(!isAfterCursor(activity('c', 5), activity('c', 5)));
  });
});

const activityArb = fc.record({ id: fc.uuid(), at: fc.integer({ min: 0, max: 30 }) });
const universeArb = fc
  .uniqueArray(activityArb, { selector: (item) => item.id, maxLength: 60 })
  .map((items) => items.map((item) => activity(item.id, item.at)));
/** Several newest-first lists drawn from one universe; they may overlap. */
const sourcesArb = universeArb.chain((universe) =>
  fc.tuple(
    fc.constant(universe),
    fc.array(
      fc.subarray(universe).map((list) => [...list].sort(compareNewestFirst)),
      { minLength: 1, maxLength: 5 },
    ),
  ),
);

describe('merging feeds', () => {
  it('is the union, deduplicated, sorted newest first and cut at first', () => {
    fc.assert(
      fc.property(sourcesArb, fc.integer({ min: 0, max: 40 }), ([, sources], first) => {
        const page = mergeFeeds(sources, first);
        const union = new Map(sources.flat().map((item) => [item.activityId, item]));
        const expected = [...union.values()].sort(compareNewestFirst);
        assert.deepEqual(page.nodes, expected.slice(0, first));
        assert.equal(new Set(ids(page.nodes)).size, page.nodes.length);
        page.nodes.slice(1).forEach((node, i) => assert.ok(compareNewestFirst(page.nodes[i], node) < 0));
        assert.equal(page.hasNextPage, expected.length > first);
        const last = page.nodes.at(-1);
        const end = last ? { at: last.at, activityId: last.activityId } : null;
        assert.deepEqual(page.endCursor && decodeFeedCursor(page.endCursor), end);
      }),
    );
  });

  it('pages through every activity exactly once when each source is read after the cursor', () => {
    fc.assert(
      fc.property(sourcesArb, fc.integer({ min: 1, max: 7 }), ([, sources], first) => {
        const seen: string[] = [];
        let after: FeedPosition | null = null;
        for (let pages = 0; pages < 100; pages += 1) {
          const cut = sources.map((source) =>
            source.filter((item) => after === null || isAfterCursor(item, after)).slice(0, first + 1),
          );
          const page = mergeFeeds(cut, first);
          seen.push(...ids(page.nodes));
          if (!page.hasNextPage) break;
          after = decodeFeedCursor(page.endCursor!);
        }
        const union = new Map(sources.flat().map((item) => [item.activityId, item]));
        assert.deepEqual(seen, ids([...union.values()].sort(compareNewestFirst)));
      }),
    );
  });

  it('answers an empty page with no cursor', () => {
    assert.deepEqual(mergeFeeds([[], []], 20), { nodes: [], hasNextPage: false, endCursor: null });
  });
});

describe('fan-out policy and page size', () => {
  it('fans out on write up to the threshold and reads celebrities above it at query time', () => {
    assert.equal(fanOutPolicy(0), 'write');
    assert.equal(fanOutPolicy(1000), 'write');
    assert.equal(fanOutPolicy(1001), 'read');
    assert.equal(fanOutPolicy(50, 10), 'read');
    assert.throws(() => fanOutPolicy(-1), RangeError);
  });

  it('takes 20 by default and 1 to 100 when asked', () => {
    assert.equal(feedPageSize(undefined), 20);
    assert.equal(feedPageSize(null), 20);
    assert.equal(feedPageSize(100), 100);
    for (const first of [0, 101, 2.5]) {
      assert.equal(
        pathOf(() => feedPageSize(first)),
        'first',
      );
    }
  });
});

describe('activities from events', () => {
  const at = '2026-07-01T08:00:00.000Z';
  const event = (type: string, payload: unknown): FeedsEvent => parseFeedsEvent(type, 1, payload);
  const COURSE = 'b9000000-0000-4000-8000-000000000002';
  const OTHER = 'b9000000-0000-4000-8000-000000000003';
  const EVENT_ID = 'b9000000-0000-4000-8000-000000000004';

  it('shows enrollments, completions, follows, posts and achievements with the event id as activity id', () => {
    const cases: [FeedsEvent, Partial<Activity>][] = [
      [
        event('feeds.Enrolled', { courseId: COURSE, userId: USER, totalLessons: 2, enrolledAt: at }),
        { verb: 'ENROLLED', courseId: COURSE },
      ],
      [
        event('feeds.CourseCompleted', { courseId: COURSE, userId: USER, totalLessons: 2, completedAt: at }),
        { verb: 'COMPLETED_COURSE', courseId: COURSE },
      ],
      [
        event('feeds.Followed', { followerId: USER, followeeId: OTHER, followedAt: at }),
        { verb: 'FOLLOWED', targetUserId: OTHER },
      ],
      [
        event('feeds.UpdatePosted', { postId: OTHER, userId: USER, text: 'Hi <b>', postedAt: at }),
        { verb: 'POSTED', text: 'Hi <b>' },
      ],
      [
        event('feeds.AchievementEarned', {
          userId: USER,
          code: 'FIRST_INVOICE_PAID',
          title: 'First invoice paid',
          earnedAt: at,
        }),
        { verb: 'EARNED_ACHIEVEMENT', text: 'First invoice paid' },
      ],
    ];
    for (const [feedsEvent, expected] of cases) {
      assert.deepEqual(activityFromEvent(EVENT_ID, feedsEvent), {
        activityId: EVENT_ID,
        actorId: USER,
        courseId: null,
        targetUserId: null,
        text: null,
        at: new Date(at),
        ...expected,
      });
    }
  });

  it('shows nothing for an unfollow', () => {
    const unfollowed = event('feeds.Unfollowed', { followerId: USER, followeeId: OTHER, unfollowedAt: at });
    assert.equal(activityFromEvent(EVENT_ID, unfollowed), null);
  });
});
