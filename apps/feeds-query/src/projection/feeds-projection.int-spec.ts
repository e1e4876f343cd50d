import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EventEnvelope, FeedsEventTypes } from '@voltstream/contracts';
import {
  decayedScore,
  decodeFeedCursor,
  FeedPosition,
  TRENDING_HALF_LIFE_HOURS,
  TrendWindow,
} from '@voltstream/feeds';
import { ReadModelHarness, userRegisteredEnvelope } from '@voltstream/platform/testing';
import { eventually } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { DEFAULT_FEED_RULES, FeedRules } from '../config';
import { feedPage } from '../feed/feed-reads';
import { FEEDS_READ_MIGRATIONS } from '../migrations';
import { asConsumed, FeedsHistory, tokenOf } from '../testing/feeds-history';
import { trendingCourseIds } from '../trending/trending-reads';
import { FeedsProjection } from './feeds-projection';
import { UsersProjection } from './users-projection';

const harness = new ReadModelHarness({
  name: 'feeds',
  migrations: FEEDS_READ_MIGRATIONS,
  tables: {
    versions: 'SELECT * FROM aggregate_versions ORDER BY aggregate_type, aggregate_id',
    courses:
      'SELECT id, author_id, title, summary, tags, published_at, search::text FROM courses ORDER BY id',
    lessons: 'SELECT * FROM lessons ORDER BY course_id, position',
    stats: 'SELECT * FROM course_stats ORDER BY course_id',
    enrollments: 'SELECT * FROM enrollments ORDER BY user_id, course_id',
    achievements: 'SELECT * FROM achievements ORDER BY user_id, code',
    follows: 'SELECT * FROM follows ORDER BY follower_id, followee_id',
    counts: 'SELECT * FROM follow_counts ORDER BY user_id',
    users: 'SELECT * FROM users ORDER BY id',
    activities: 'SELECT * FROM activities ORDER BY id',
    feeds: 'SELECT * FROM feed_items ORDER BY owner_id, at, activity_id',
    // A feed emptied by an unfollow keeps a zero row in one interleaving and none in another.
    sizes: 'SELECT * FROM feed_sizes WHERE size <> 0 ORDER BY owner_id',
    trend: `SELECT trend_window, course_id, generation, trim_scale(current_score)::text AS current_score,
              trim_scale(previous_score)::text AS previous_score, score
            FROM course_trend ORDER BY trend_window, course_id`,
  },
});

const project = (db: DataSource, events: readonly EventEnvelope[], rules: FeedRules = DEFAULT_FEED_RULES) =>
  db.transaction((tx) => new FeedsProjection(rules).apply(asConsumed(events), tx));

const feedOf = async (db: DataSource, userId: string) =>
  (
    await db.query<{ activity_id: string }[]>(
      'SELECT activity_id::text FROM feed_items WHERE owner_id = $1 ORDER BY at DESC, activity_id DESC',
      [userId],
    )
  ).map((row) => row.activity_id);

/** feed_sizes, which decides which feeds get trimmed, says exactly how many rows each feed has. */
async function assertFeedSizesExact(db: DataSource): Promise<void> {
  type Sizes = { owner_id: string; size: number }[];
  const [kept, counted] = await Promise.all([
    db.query<Sizes>('SELECT owner_id, size FROM feed_sizes WHERE size <> 0 ORDER BY owner_id'),
    db.query<Sizes>(
      'SELECT owner_id, count(*)::int AS size FROM feed_items GROUP BY owner_id ORDER BY owner_id',
    ),
  ]);
  assert.deepEqual(kept, counted);
}

/** A small community: an author, learners who follow each other, posts, progress, an achievement. */
function community(start?: Date) {
  const history = new FeedsHistory(start);
  const [author, ada, bob, cyd] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const heat = history.publishCourse(author, { title: 'Heat pumps', tags: ['heating', 'home'], lessons: 3 });
  const solar = history.publishCourse(author, { title: 'Solar at home', tags: ['solar'], lessons: 2 });
  history.follow(bob, ada);
  history.follow(cyd, ada);
  history.enroll(ada, heat);
  history.post(ada, 'Insulating the loft this weekend');
  history.completeLessons(ada, heat, 3);
  history.earn(ada, 'FIRST_COURSE_COMPLETED', 'First course completed');
  history.enroll(bob, solar);
  history.follow(ada, bob);
  history.completeLessons(bob, solar, 1);
  history.unfollow(cyd, ada);
  history.post(cyd, 'Hello');
  return { history, author, ada, bob, cyd, heat, solar };
}

describe('feeds read-model projection', () => {
  after(() => harness.close());

  it('projects courses, progress, counts and achievements, and fans activities out to followers', async () => {
    const db = await harness.database();
    const { history, ada, bob, cyd, heat, solar } = community();
    const result = await project(db, history.events);

    assert.deepEqual(
      await db.query(
        'SELECT user_id::text, course_id::text, completed_lessons, completed_at IS NOT NULL AS done FROM enrollments ORDER BY completed_lessons',
      ),
      [
        { user_id: bob, course_id: solar.courseId, completed_lessons: 1, done: false },
        { user_id: ada, course_id: heat.courseId, completed_lessons: 3, done: true },
      ],
    );
    assert.deepEqual(
      await db.query('SELECT course_id::text, enrollment_count FROM course_stats ORDER BY course_id'),
      [heat.courseId, solar.courseId].sort().map((course_id) => ({ course_id, enrollment_count: 1 })),
    );
    const counts = await db.query<{ user_id: string; follower_count: number; following_count: number }[]>(
      'SELECT user_id::text, follower_count, following_count FROM follow_counts',
    );
    const countOf = (id: string) => counts.find((c) => c.user_id === id);
    assert.deepEqual(countOf(ada), { user_id: ada, follower_count: 1, following_count: 1 });
    assert.deepEqual(countOf(cyd), { user_id: cyd, follower_count: 0, following_count: 0 });

    // Ada's activities: enrolled, posted, 3 lessons, completed the course, the achievement, followed Bob.
    const adaFeed = await feedOf(db, ada);
    const bobFeed = await feedOf(db, bob);
    const adasOwn = history.events
      .filter((e) => e.aggregateId === ada || e.aggregateId.startsWith(`${ada}:`))
      .map((e) => e.id);
    assert.equal(adasOwn.length, 8);
    for (const id of adasOwn) assert.ok(bobFeed.includes(id), 'Bob follows Ada');
    // Cyd unfollowed Ada: none of Ada's rows stay in Cyd's feed; Cyd's own activities do.
    const cydsOwn = history.events.filter((e) => e.aggregateId === cyd).map((e) => e.id);
    assert.deepEqual(await feedOf(db, cyd), [cydsOwn[2], cydsOwn[0]]);
    // Ada follows Bob since before his lesson: she sees it, and her own activities.
    assert.ok(adaFeed.includes(history.events.at(-3)!.id));
    assert.ok(adasOwn.every((id) => adaFeed.includes(id)));

    // Subscribers of each feed that gained an activity hear of it: its id and the token of the
    // write that made it. (Cyd unfollowed in the same batch, so Ada's post went to Bob only.)
    const messageOf = (event: EventEnvelope) => result.updates.find((u) => u.message.id === event.id);
    const post = history.events.find(
      (e) => e.type === FeedsEventTypes.UpdatePosted && e.aggregateId === ada,
    )!;
    assert.deepEqual([...messageOf(post)!.ownerIds].sort(), [ada, bob].sort());
    const completion = history.events.find((e) => e.type === FeedsEventTypes.CourseCompleted)!;
    for (const event of [post, completion]) {
      assert.deepEqual(messageOf(event)?.message, { id: event.id, consistencyToken: tokenOf(event) });
    }
  });

  it('leaves the same read model when the same events are applied twice, together or one by one', async () => {
    const db = await harness.database();
    const { history } = community();
    await project(db, history.events);
    const once = await harness.snapshot(db);
    const again = await project(db, history.events);
    assert.deepEqual(again.updates, []);
    for (const event of history.events) await project(db, [event]);
    assert.deepEqual(await harness.snapshot(db), once);
    await assertFeedSizesExact(db);
  });

  it('gives the same read model whichever way the partitions interleave', async () => {
    const { history } = community();
    const partitions = [0, 1, 2].map((p) =>
      history.events.filter((e) => parseInt(e.aggregateId.slice(0, 2), 16) % 3 === p),
    );
    const inOrder = await harness.database();
    const byPartition = await harness.database();
    const reversed = await harness.database();
    await project(inOrder, history.events);
    for (const events of partitions) await project(byPartition, events);
    for (const events of [...partitions].reverse()) for (const e of events) await project(reversed, [e]);
    const expected = await harness.snapshot(inOrder);
    assert.deepEqual(await harness.snapshot(byPartition), expected);
    assert.deepEqual(await harness.snapshot(reversed), expected);
    for (const db of [inOrder, byPartition, reversed]) await assertFeedSizesExact(db);
  });

  it('backfills the followee’s newest activities on follow, and unfollowing removes all of them', async () => {
    const db = await harness.database();
    const history = new FeedsHistory();
    const [ada, bob] = [randomUUID(), randomUUID()];
    const posts = [1, 2, 3, 4].map((n) => history.post(bob, `post ${n}`));
    const followed = history.follow(ada, bob);
    const rules = { ...DEFAULT_FEED_RULES, followBackfill: 2 };
    await project(db, history.events, rules);
    assert.deepEqual(await feedOf(db, ada), [followed.id, posts[3].id, posts[2].id]);

    const later = history.post(bob, 'post 5');
    await project(db, [later], rules);
    assert.deepEqual(await feedOf(db, ada), [later.id, followed.id, posts[3].id, posts[2].id]);

    await project(db, [history.unfollow(ada, bob)], rules);
    assert.deepEqual(await feedOf(db, ada), [followed.id]);
    await assertFeedSizesExact(db);
  });

  it('keeps a celebrity’s activities out of followers’ rows, and their feed still shows them', async () => {
    const db = await harness.database();
    const history = new FeedsHistory();
    const [star, ada, bob] = [randomUUID(), randomUUID(), randomUUID()];
    const rules = { ...DEFAULT_FEED_RULES, fanOutThreshold: 1 };
    history.follow(ada, star);
    history.follow(bob, star);
    const own = history.post(ada, 'my own');
    const starPost = history.post(star, 'to all my fans');
    const result = await project(db, history.events, rules);

    assert.deepEqual(await feedOf(db, star), [starPost.id]);
    assert.ok(!(await feedOf(db, ada)).includes(starPost.id));
    const page = await db.transaction((tx) => feedPage(tx, ada, 10, null, rules.fanOutThreshold));
    assert.deepEqual(
      page.nodes.map((n) => n.id),
      [starPost.id, own.id, history.events[0].id],
    );
    // Its followers still hear of it live.
    const update = result.updates.find((u) => u.message.id === starPost.id)!;
    assert.deepEqual([...update.ownerIds].sort(), [star, ada, bob].sort());
    // Under the threshold the same post would have been copied: the policy is the rules'.
    const fannedOut = await harness.database();
    await project(fannedOut, history.events);
    assert.ok((await feedOf(fannedOut, ada)).includes(starPost.id));
  });

  it('shows an activity once when it was copied before its actor became a celebrity', async () => {
    const db = await harness.database();
    const history = new FeedsHistory();
    const [star, ada, bob, cyd] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const rules = { ...DEFAULT_FEED_RULES, fanOutThreshold: 2 };
    const followed = history.follow(ada, star);
    const early = history.post(star, 'while I had one follower');
    await project(db, history.drain(), rules);
    assert.deepEqual(await feedOf(db, ada), [early.id, followed.id]);
    // Two more followers: the star is now read at query time, and Ada's copy of the early post
    // is also among the star's recent activities.
    history.follow(bob, star);
    history.follow(cyd, star);
    const late = history.post(star, 'now for everyone');
    await project(db, history.drain(), rules);
    const read = (first: number, after: FeedPosition | null = null) =>
      db.transaction((tx) => feedPage(tx, ada, first, after, rules.fanOutThreshold));
    const whole = await read(10);
    assert.deepEqual(
      whole.nodes.map((n) => n.id),
      [late.id, early.id, followed.id],
    );
    assert.equal(whole.hasNextPage, false);
    // Pages of two: the duplicate neither takes a place nor hides the third item.
    const first = await read(2);
    assert.deepEqual([first.nodes.map((n) => n.id), first.hasNextPage], [[late.id, early.id], true]);
    const second = await read(2, decodeFeedCursor(first.endCursor!));
    assert.deepEqual([second.nodes.map((n) => n.id), second.hasNextPage], [[followed.id], false]);
  });

  it('trims a feed to its newest rows', async () => {
    const db = await harness.database();
    const history = new FeedsHistory();
    const [ada, bob] = [randomUUID(), randomUUID()];
    history.follow(ada, bob);
    const posts = [1, 2, 3, 4, 5].map((n) => history.post(bob, `post ${n}`));
    const rules = { ...DEFAULT_FEED_RULES, feedCap: 3 };
    await project(db, history.events.slice(0, 3), rules);
    await project(db, history.events.slice(3), rules);
    assert.deepEqual(await feedOf(db, ada), [posts[4].id, posts[3].id, posts[2].id]);
    const page = await db.transaction((tx) => feedPage(tx, ada, 10, null, rules.fanOutThreshold));
    assert.equal(page.nodes.length, 3);
    assert.equal(page.hasNextPage, false);
    await assertFeedSizesExact(db);
  });

  it('ranks trending courses by decayed enrollments (1) and completions (3), per window', async () => {
    const db = await harness.database();
    const now = new Date();
    const ago = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    const history = new FeedsHistory(ago(200));
    const author = randomUUID();
    const [old, fresh, finished] = [1, 2, 3].map(() => history.publishCourse(author, { lessons: 1 }));
    for (let i = 0; i < 4; i += 1) history.enroll(randomUUID(), old, ago(30));
    history.enroll(randomUUID(), fresh, ago(1));
    const learner = randomUUID();
    history.enroll(learner, finished, ago(13));
    history.completeLessons(learner, finished, 1, ago(12));
    await project(db, history.events);

    const day = await trendingCourseIds(db, 'DAY', 10, now);
    const week = await trendingCourseIds(db, 'WEEK', 10, now);
    assert.deepEqual(day, [finished.courseId, fresh.courseId, old.courseId]);
    assert.deepEqual(week, [finished.courseId, old.courseId, fresh.courseId]);
    assert.deepEqual(await trendingCourseIds(db, 'DAY', 1, now), [finished.courseId]);
  });

  it('keeps trend scores exact across generations, whatever order their signals arrive in', async () => {
    const now = new Date();
    const history = new FeedsHistory();
    const author = randomUUID();
    const courses = [1, 2, 3].map(() => history.publishCourse(author, { lessons: 1 }));
    // Spread over three DAY generations (8 days each): weights chosen so ranks differ clearly.
    const hoursAgo = [
      [1, 100, 200, 400],
      [5, 6, 7],
      [190, 191, 300, 310, 320, 330],
    ];
    courses.forEach((course, i) => {
      for (const hours of hoursAgo[i])
        history.enroll(randomUUID(), course, new Date(now.getTime() - hours * 3_600_000));
    });
    const forward = await harness.database();
    const backward = await harness.database();
    await project(forward, history.events);
    for (const event of [...history.events].reverse().filter((e) => e.aggregateType !== 'Course')) {
      await project(backward, [event]);
    }
    await project(
      backward,
      history.events.filter((e) => e.aggregateType === 'Course'),
    );
    assert.deepEqual((await harness.snapshot(backward))['trend'], (await harness.snapshot(forward))['trend']);

    for (const window of ['DAY', 'WEEK'] as TrendWindow[]) {
      const decayed = courses.map((course, i) => ({
        id: course.courseId,
        score: decayedScore(
          hoursAgo[i].map((h) => ({ at: new Date(now.getTime() - h * 3_600_000), weight: 1 })),
          now,
          TRENDING_HALF_LIFE_HOURS[window],
        ),
      }));
      const expected = decayed
        .filter((c) => c.score >= 0.01)
        .sort((a, b) => b.score - a.score)
        .map((c) => c.id);
      assert.deepEqual(await trendingCourseIds(forward, window, 10, now), expected, window);
    }
  });

  it('refuses an event filed under another aggregate', async () => {
    const db = await harness.database();
    const history = new FeedsHistory();
    const post = history.post(randomUUID(), 'hello');
    await assert.rejects(
      project(db, [{ ...post, aggregateType: 'UserFollows' }]),
      /must travel as UserActivity/,
    );
  });

  it('keeps registered users, once each', async () => {
    const db = await harness.database();
    const userId = randomUUID();
    const registered = userRegisteredEnvelope(userId, {
      email: 'ada@example.com',
      displayName: 'Ada',
      registeredAt: '2026-01-01T00:00:00.000Z',
    });
    const projection = new UsersProjection();
    const apply = (events: EventEnvelope[]) =>
      db.transaction((tx) => projection.apply(asConsumed(events), tx));
    assert.equal(await apply([registered, registered]), 1);
    assert.equal(await apply([registered]), 0);
    assert.deepEqual(await db.query('SELECT id::text, display_name FROM users'), [
      { id: userId, display_name: 'Ada' },
    ]);
  });

  describe('through Kafka', () => {
    const topic = harness.topic();
    const communities = [community(), community(), community()];

    const applied = async (db: DataSource) =>
      Number(
        (
          await db.query<{ n: string }[]>(
            'SELECT coalesce(sum(version), 0)::text AS n FROM aggregate_versions',
          )
        )[0].n,
      );
    const newest = new Map(
      communities
        .flatMap((c) => c.history.events)
        .map((e) => [`${e.aggregateType}|${e.aggregateId}`, e.aggregateVersion]),
    );
    const expectedVersions = [...newest.values()].reduce((sum, version) => sum + version, 0);

    before(async () => {
      await topic.create();
      const [first, ...rest] = communities;
      await topic.publish(first.history.events);
      await topic.publishRaw(first.ada, '{"this is": not json');
      await topic.publish(rest.flatMap((c) => c.history.events));
    });

    after(() => topic.delete());

    it('moves past a poison message, and rebuilds an identical read model when replayed from offset 0', async () => {
      const first = await harness.database();
      await topic.runInto(first, 'a', new FeedsProjection());
      await eventually(
        async () => ((await applied(first)) === expectedVersions ? true : undefined),
        30_000,
        'the projection',
      );
      const replay = await harness.database();
      await topic.runInto(replay, 'replay', new FeedsProjection());
      await eventually(
        async () => ((await applied(replay)) === expectedVersions ? true : undefined),
        30_000,
        'the replay',
      );
      // Partitions finish in any order: wait until the replay has read every partition as far.
      const positions = async (db: DataSource) =>
        JSON.stringify((await harness.snapshot(db, true))['positions']);
      await eventually(
        async () => ((await positions(replay)) === (await positions(first)) ? true : undefined),
        30_000,
        'the replay to reach the same positions',
      );
      assert.deepEqual(await harness.snapshot(replay, true), await harness.snapshot(first, true));
    });
  });
});
