import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EntityChangeMessage, EventEnvelope, LiveChannels, Topics } from '@voltstream/contracts';
import { EventPublisher } from '@voltstream/platform';
import { dataOf, eventually, graphql, testSettings } from '@voltstream/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { FeedsHistory, tokenOf } from './testing/feeds-history';
import { Caller, signUp } from './testing/in-process';

/** The deployed feeds-query, fed by feeds events published straight to Kafka. */
const settings = testSettings();
const base = settings.serviceBaseUrl('feeds-query');
const kafka = new Kafka({
  clientId: 'feeds-query-test',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const publisher = new EventPublisher(kafka);

const publish = (events: readonly EventEnvelope[]) =>
  publisher.publish(
    events.map((e) => ({ topic: Topics.feeds, key: e.aggregateId, value: JSON.stringify(e) })),
  );

const FEED = `query($c: String) { feed(first: 10, consistency: $c) {
  nodes { id verb text actor { id } course { title } } } }`;

type Feed = { feed: { nodes: { id: string; verb: string; course: { title: string } | null }[] } };

describe('feeds-query service', () => {
  let ada: Caller;
  let bob: Caller;
  const redis = new Redis(settings.redisUrl, { lazyConnect: true });
  const updates: EntityChangeMessage[] = [];

  before(async () => {
    [ada, bob] = await Promise.all([signUp(settings.gatewayUrl), signUp(settings.gatewayUrl)]);
    await redis.connect();
    redis.on('message', (_channel: string, message: string) =>
      updates.push(JSON.parse(message) as EntityChangeMessage),
    );
    await redis.subscribe(LiveChannels.feedUpdates(ada.id));
  });

  after(async () => {
    await publisher.disconnect();
    redis.disconnect();
  });

  it('projects feeds.events, answers after the write a token names, and publishes new activities', async () => {
    const history = new FeedsHistory(new Date(Date.now() - 60_000));
    const course = history.publishCourse(bob.id, { title: 'Live course' });
    const earlier = history.post(bob.id, 'before Ada followed');
    await publish(history.drain());
    const ask = (c: string) => graphql<Feed>(`${base}/graphql`, FEED, { c }, { token: ada.token });
    // Bob's post is projected before Ada follows him: the two are on different partitions, and
    // published together either could be projected first.
    dataOf(await ask(tokenOf(earlier)));
    const followed = history.follow(ada.id, bob.id);
    await publish(history.drain());
    // Following copied Bob's post into Ada's feed, in the transaction the token waits for.
    assert.deepEqual(
      dataOf(await ask(tokenOf(followed))).feed.nodes.map((n) => n.id),
      [followed.id, earlier.id],
    );

    const enrolled = history.enroll(bob.id, course, new Date());
    await publish(history.drain());
    const [first] = dataOf(await ask(tokenOf(enrolled))).feed.nodes;
    assert.deepEqual(
      [first?.id, first?.verb, first?.course],
      [enrolled.id, 'ENROLLED', { title: 'Live course' }],
    );
    const message = await eventually(
      async () => updates.find((u) => u.id === enrolled.id),
      10_000,
      'the feed update on Redis',
    );
    assert.deepEqual(message, { id: enrolled.id, consistencyToken: tokenOf(enrolled) });
  });

  it('serves the feed through the gateway, with actors’ names from identity', async () => {
    const query = `{ feed(first: 1) { nodes { actor { id displayName } } } me { followingCount } }`;
    const data = dataOf(
      await graphql<{
        feed: { nodes: { actor: { id: string; displayName: string } }[] };
        me: { followingCount: number };
      }>(settings.gatewayUrl, query, {}, { token: ada.token }),
    );
    assert.deepEqual(data.feed.nodes[0]?.actor, { id: bob.id, displayName: 'Feeds learner' });
    assert.equal(data.me.followingCount, 1);
  });

  it('knows the users identity registered', async () => {
    const query = 'query($id: ID!) { user(id: $id) { followerCount followedByMe } }';
    const user = await eventually(
      async () =>
        dataOf(
          await graphql<{ user: unknown }>(`${base}/graphql`, query, { id: bob.id }, { token: ada.token }),
        ).user ?? undefined,
      10_000,
      'identity.UserRegistered projected',
    );
    assert.deepEqual(user, { followerCount: 1, followedByMe: true });
  });
});
