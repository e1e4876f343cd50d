import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeedsEventTypes, Topics, USER_FOLLOWS_AGGREGATE } from '@voltstream/contracts';
import { dataOf, databaseUrl, eventually, graphql, queryOnce } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { settings } from './energy-api';
import { subscriptionClient, subscriptionRefusal } from './subscription-client';

const PASSWORD = 'a long enough passphrase';

interface Person {
  id: string;
  token: string;
}

async function register(role?: 'INSTRUCTOR'): Promise<Person> {
  const email = `feeds-${randomUUID()}@example.com`;
  const registered = dataOf(
    await graphql<{ register: { accessToken: string; user: { id: string } } }>(
      settings.gatewayUrl,
      'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
      { input: { email, password: PASSWORD, displayName: `Feeds ${email.slice(6, 12)}` } },
    ),
  ).register;
  if (!role) return { id: registered.user.id, token: registered.accessToken };
  await queryOnce(
    databaseUrl(settings.databaseUrl, 'identity'),
    `UPDATE users SET roles = array_append(roles, $2) WHERE email = $1`,
    [email, role],
  );
  const login = dataOf(
    await graphql<{ login: { accessToken: string } }>(
      settings.gatewayUrl,
      'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
      { e: email, p: PASSWORD },
    ),
  ).login;
  return { id: registered.user.id, token: login.accessToken };
}

const call = async <T>(person: Person, query: string, variables: Record<string, unknown> = {}) =>
  dataOf(await graphql<T>(settings.gatewayUrl, query, variables, { token: person.token }));

interface FeedItem {
  id: string;
  at: string;
  verb: string;
  actor: { id: string };
  course: { id: string } | null;
  text: string | null;
}

async function feedOf(person: Person, consistency?: string, first = 50): Promise<FeedItem[]> {
  const data = await call<{ feed: { nodes: FeedItem[] } }>(
    person,
    `query($first: Int, $c: String) { feed(first: $first, consistency: $c) { nodes { id at verb actor { id } course { id } text } } }`,
    { first, c: consistency },
  );
  return data.feed.nodes;
}

/**
 * Waits until `person`'s feed holds exactly `expected` (verb:actor, in any order), then checks
 * it is newest first. Activities of one decision share an instant; their order is by id.
 */
async function feedBecomes(person: Person, expected: string[]): Promise<void> {
  const want = [...expected].sort();
  let items: FeedItem[] = [];
  const seen = () => items.map((item) => `${item.verb}:${item.actor.id}`).sort();
  try {
    await eventually(
      async () => {
        items = await feedOf(person);
        return JSON.stringify(seen()) === JSON.stringify(want) ? true : undefined;
      },
      30_000,
      'the feed',
    );
  } catch (error) {
    assert.deepEqual(seen(), want, String(error));
  }
  for (let i = 1; i < items.length; i++) {
    const [newer, older] = [items[i - 1], items[i]];
    const order = Date.parse(newer.at) - Date.parse(older.at) || (newer.id > older.id ? 1 : -1);
    assert.ok(order > 0, `newest first at ${i}: ${newer.at} ${newer.id} before ${older.at} ${older.id}`);
  }
}

describe('learning feeds through the gateway', () => {
  it('tells each follower exactly what the people they follow did, newest first', async () => {
    const instructor = await register('INSTRUCTOR');
    const [ann, bob, cat] = await Promise.all([register(), register(), register()]);

    const refused = await graphql(
      settings.gatewayUrl,
      'mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id } }',
      {
        input: {
          title: 'Nope',
          summary: 'Customers cannot publish',
          lessons: [{ title: 'x', durationMinutes: 5 }],
        },
      },
      { token: ann.token },
    );
    assert.equal(refused.errors[0]?.extensions?.code, 'FORBIDDEN');

    const course = (
      await call<{ publishCourse: { id: string; lessons: { id: string; position: number }[] } }>(
        instructor,
        `mutation($input: PublishCourseInput!) { publishCourse(input: $input) { id title lessons { id position } } }`,
        {
          input: {
            title: 'Heat pumps, honestly',
            summary: 'Use less energy heating your home.',
            tags: ['heating', 'Heat Pumps'],
            lessons: [
              { title: 'How they work', durationMinutes: 12 },
              { title: 'Sizing', durationMinutes: 20 },
            ],
          },
        },
      )
    ).publishCourse;

    // ann and bob follow each other; cat follows ann only.
    await call(ann, 'mutation($u: ID!) { follow(userId: $u) }', { u: bob.id });
    await call(bob, 'mutation($u: ID!) { follow(userId: $u) }', { u: ann.id });
    await call(cat, 'mutation($u: ID!) { follow(userId: $u) }', { u: ann.id });
    assert.equal(
      dataOf(
        await graphql<{ follow: boolean }>(
          settings.gatewayUrl,
          'mutation($u: ID!) { follow(userId: $u) }',
          { u: bob.id },
          { token: ann.token },
        ),
      ).follow,
      true,
      'following twice is fine',
    );

    await call(bob, 'mutation($c: ID!) { enroll(courseId: $c) { progress } }', { c: course.id });
    await call(ann, 'mutation($c: ID!) { enroll(courseId: $c) { progress } }', { c: course.id });
    const again = await call<{ enroll: { progress: number } }>(
      ann,
      'mutation($c: ID!) { enroll(courseId: $c) { progress } }',
      { c: course.id },
    );
    assert.equal(again.enroll.progress, 0, 'enrolling twice is one enrollment');
    const half = await call<{ completeLesson: { progress: number; completedLessons: number } }>(
      ann,
      'mutation($c: ID!, $l: ID!) { completeLesson(courseId: $c, lessonId: $l) { progress completedLessons } }',
      { c: course.id, l: course.lessons[0].id },
    );
    assert.deepEqual(half.completeLesson, { progress: 0.5, completedLessons: 1 });
    const done = await call<{ completeLesson: { progress: number; completedAt: string | null } }>(
      ann,
      'mutation($c: ID!, $l: ID!) { completeLesson(courseId: $c, lessonId: $l) { progress completedAt } }',
      { c: course.id, l: course.lessons[1].id },
    );
    assert.equal(done.completeLesson.progress, 1);
    assert.ok(done.completeLesson.completedAt);
    const posted = await call<{ postUpdate: { id: string; text: string; consistencyToken: string } }>(
      cat,
      'mutation($t: String!) { postUpdate(text: $t) { id text consistencyToken } }',
      { t: '<b>not bold</b> — just text' },
    );
    assert.equal(posted.postUpdate.text, '<b>not bold</b> — just text', 'served as plain text, as written');

    // Who did what (activities of the people one follows, and one's own):
    const annDid = [
      `FOLLOWED:${ann.id}`,
      `ENROLLED:${ann.id}`,
      `COMPLETED_LESSON:${ann.id}`,
      `COMPLETED_LESSON:${ann.id}`,
      `COMPLETED_COURSE:${ann.id}`,
      `EARNED_ACHIEVEMENT:${ann.id}`,
    ];
    const bobDid = [`FOLLOWED:${bob.id}`, `ENROLLED:${bob.id}`];
    const catDid = [`FOLLOWED:${cat.id}`, `POSTED:${cat.id}`];
    await feedBecomes(ann, [...annDid, ...bobDid]);
    await feedBecomes(bob, [...bobDid, ...annDid]);
    await feedBecomes(cat, [...catDid, ...annDid]);

    // Unfollowing takes the person's activities out of one's feed.
    await call(cat, 'mutation($u: ID!) { unfollow(userId: $u) }', { u: ann.id });
    await feedBecomes(cat, catDid);
  });
});

describe('a celebrity with 10,000 followers', () => {
  it("shows the celebrity's post in a follower's feed without writing 10,000 feed rows", async () => {
    const celebrity = await register();
    const fan = await register();
    // 9,999 followers arrive as feeds.Followed events (as feeds-command would publish them), so the
    // test need not register 10,000 accounts; the fan follows through the API.
    const kafka = new Kafka({
      clientId: 'feeds-e2e',
      brokers: settings.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const now = new Date().toISOString();
      for (let start = 0; start < 9_999; start += 1000) {
        const messages = Array.from({ length: Math.min(1000, 9_999 - start) }, () => {
          const followerId = randomUUID();
          const envelope = {
            id: randomUUID(),
            type: FeedsEventTypes.Followed,
            schemaVersion: 1,
            aggregateType: USER_FOLLOWS_AGGREGATE,
            aggregateId: followerId,
            aggregateVersion: 1,
            occurredAt: now,
            correlationId: null,
            causationId: null,
            actorId: followerId,
            payload: { followerId, followeeId: celebrity.id, followedAt: now },
          };
          return { key: followerId, value: JSON.stringify(envelope) };
        });
        await producer.send({ topic: Topics.feeds, messages });
      }
    } finally {
      await producer.disconnect();
    }
    await call(fan, 'mutation($u: ID!) { follow(userId: $u) }', { u: celebrity.id });
    await eventually(
      async () => {
        const data = await call<{ user: { followerCount: number } | null }>(
          fan,
          'query($u: ID!) { user(id: $u) { followerCount } }',
          { u: celebrity.id },
        );
        return data.user?.followerCount === 10_000 ? true : undefined;
      },
      60_000,
      '10,000 followers',
    );
    const post = await call<{ postUpdate: { id: string; consistencyToken: string } }>(
      celebrity,
      'mutation { postUpdate(text: "Hello, ten thousand") { id consistencyToken } }',
    );
    await eventually(
      async () =>
        (await feedOf(fan, undefined, 5)).some((item) => item.text === 'Hello, ten thousand')
          ? true
          : undefined,
      30_000,
      "the celebrity's post in the fan's feed",
    );
    const [rows] = await queryOnce<{ n: string }>(
      databaseUrl(settings.databaseUrl, 'feeds_read'),
      `SELECT count(*)::text AS n FROM feed_items WHERE activity_id::text = $1`,
      [post.postUpdate.id],
    );
    assert.ok(Number(rows?.n ?? 0) <= 1, `fanned out on read, not into ${rows?.n} feed rows`);
  });
});

describe('feedUpdates subscription over graphql-ws', () => {
  const subscribe = subscriptionClient;
  const QUERY = 'subscription { feedUpdates { id verb text actor { id } } }';

  it("delivers a followee's new post to the follower's open subscription, and refuses no sign-in", async () => {
    const [reader, author] = await Promise.all([register(), register()]);
    await call(reader, 'mutation($u: ID!) { follow(userId: $u) }', { u: author.id });
    await feedBecomes(reader, [`FOLLOWED:${reader.id}`]);

    const anonymous = await subscriptionRefusal(undefined, QUERY);
    assert.equal(anonymous.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(anonymous));

    const client = subscribe(reader.token);
    try {
      const updates = client.iterate<{
        feedUpdates: { id: string; verb: string; text: string | null; actor: { id: string } };
      }>({
        query: QUERY,
      });
      const first = (async () => {
        for await (const result of updates) return result.data?.feedUpdates;
        return undefined;
      })();
      // Post until the subscription, which opens asynchronously, has seen one.
      let arrived = false;
      void first.then(() => (arrived = true));
      const posts: string[] = [];
      const delivered = await Promise.race([
        first,
        (async () => {
          for (let i = 0; i < 20 && !arrived; i++) {
            const text = `update ${i} ${randomUUID()}`;
            posts.push(text);
            await call(author, 'mutation($t: String!) { postUpdate(text: $t) { id } }', { t: text });
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          return undefined;
        })(),
      ]);
      assert.ok(delivered, 'an update arrived');
      assert.equal(delivered.verb, 'POSTED');
      assert.equal(delivered.actor.id, author.id);
      assert.ok(posts.includes(delivered.text ?? ''), 'one of the posts');
    } finally {
      await client.dispose();
    }
  });
});
