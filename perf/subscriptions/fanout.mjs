// Suite subscriptions: a `feedUpdates` fan-out. N open graphql-ws subscriptions, each its own
// follower of one author; the author posts; every subscriber's gateway reads the activity through
// the supergraph as that subscriber (feeds-query's `activity`, identity's `User` for the actor).
// Measured: every event reaches every subscriber, and event → delivery, where "event" is the
// moment the projector's message is on Redis (a raw Redis subscriber of the harness stamps it).
//
// Followers other than one real user are synthetic, as in the feeds-command suite: their follows
// are feeds.Followed events produced to Kafka, and their access tokens are signed with identity's
// own current key, read from identity's database (claims, issuer, audience and key id copied from
// a token identity issued) — registering 1,000 users through scrypt would take minutes.
import pg from 'pg';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { SignJWT } from 'jose';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from '../lib/cpu.mjs';
import { gql } from '../lib/graphql.mjs';
import { formatNumber, latencyStats, progress } from '../lib/runner.mjs';
import { withDatabase } from '../lib/targets.mjs';
import {
  FeedsKafka,
  feedsTargets,
  followedMessage,
  projectedOffsets,
  registerUser,
  remaining,
  waitForProjection,
} from '../feeds-query/common.mjs';

const plan = (quick) => ({
  subscribers: quick ? 300 : 1000,
  posts: quick ? 5 : 10,
  timeoutMs: 30_000,
  pauseMs: 500,
});

const POST = 'mutation($t: String!) { postUpdate(text: $t) { id } }';
const FOLLOW = 'mutation($u: ID!) { follow(userId: $u) }';
const FEED_UPDATES = 'subscription { feedUpdates { id verb text at actor { id displayName } } }';

/** Access tokens for synthetic users, signed like identity's own (ES256, its current key). */
async function tokenMinter(identityDatabase, template) {
  const client = new pg.Client({ connectionString: identityDatabase, application_name: 'perf-harness' });
  await client.connect();
  try {
    const [header64, payload64] = template.split('.');
    const header = JSON.parse(Buffer.from(header64, 'base64url').toString());
    const claims = JSON.parse(Buffer.from(payload64, 'base64url').toString());
    const { rows } = await client.query('SELECT private_pem FROM signing_keys WHERE kid = $1', [header.kid]);
    if (!rows[0]) throw new Error(`identity has no signing key ${header.kid}`);
    const key = createPrivateKey(rows[0].private_pem);
    return (userId) =>
      new SignJWT({ roles: claims.roles })
        .setProtectedHeader({ alg: header.alg, typ: 'JWT', kid: header.kid })
        .setSubject(userId)
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setIssuedAt()
        .setExpirationTime(claims.exp)
        .sign(key);
  } finally {
    await client.end();
  }
}

async function openSubscriptions(gatewayUrl) {
  const metrics = new URL('/metrics', gatewayUrl);
  const text = await (await fetch(metrics)).text();
  const line = text.split('\n').find((l) => l.startsWith('graphql_subscriptions'));
  return Number(line?.split(' ').at(-1) ?? 0);
}

/** One subscriber: a graphql-ws client whose deliveries are stamped on arrival, by activity id. */
function subscriber(wsUrl, token, onDelivery, onError) {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
  });
  client.subscribe(
    { query: FEED_UPDATES },
    {
      next: (result) => {
        if (result.errors) onError(JSON.stringify(result.errors[0]));
        const id = result.data?.feedUpdates?.id;
        if (id) onDelivery(id, performance.now());
      },
      error: (error) => onError(String(error?.message ?? error)),
      complete: () => undefined,
    },
  );
  return client;
}

export default {
  name: 'subscriptions',
  async run({ targets, options, runId, onCleanup }) {
    const p = plan(options.quick);
    const url = targets.gateway;
    const feeds = await feedsTargets(targets);
    const primary = new pg.Client({
      connectionString: feeds.feedsReadPrimary,
      application_name: 'perf-harness',
    });
    await primary.connect();
    const kafka = new FeedsKafka(feeds.kafkaBrokers);
    const redis = new Redis(targets.redis, { lazyConnect: true });
    const clients = [];
    const closeAll = onCleanup(async () => {
      await Promise.all(clients.map((c) => c.dispose().catch(() => undefined)));
      redis.disconnect();
      await kafka.disconnect();
      await primary.end().catch(() => undefined);
    });
    await kafka.connect();
    await redis.connect();

    progress('subscriptions: registering an author and one real follower through the gateway');
    const author = await registerUser(url, runId, 'fanout-author');
    const follower = await registerUser(url, runId, 'fanout-follower');
    for (let tries = 0; ; tries += 1) {
      // feeds-command learns users from identity.events: retry until it knows the author.
      try {
        await gql(url, { query: FOLLOW, variables: { u: author.id }, token: follower.token });
        break;
      } catch (error) {
        if (tries > 30) throw error;
        await sleep(1000);
      }
    }
    const synthetic = Array.from({ length: p.subscribers - 1 }, () => randomUUID());
    const at = new Date(Date.now() - 60_000).toISOString();
    progress(`subscriptions: ${formatNumber(synthetic.length)} Followed events to Kafka`);
    const before = remaining(await kafka.endOffsets(), await projectedOffsets(primary));
    await kafka.send(synthetic.map((id) => followedMessage(id, author.id, 1, at)));
    await waitForProjection(primary, await kafka.endOffsets(), {
      label: 'followers',
      total: synthetic.length + before,
    });

    const mint = await tokenMinter(withDatabase(targets.primaryServer, 'identity'), follower.token);
    const tokens = [follower.token, ...(await Promise.all(synthetic.map((id) => mint(id))))];

    // Deliveries by activity id → arrival times; errors by message.
    const deliveries = new Map();
    const errors = new Map();
    const onDelivery = (id, arrivedAt) => {
      const list = deliveries.get(id) ?? [];
      list.push(arrivedAt);
      deliveries.set(id, list);
    };
    const onError = (message) => errors.set(message, (errors.get(message) ?? 0) + 1);
    const wsUrl = url.replace(/^http/, 'ws');
    const opened = await openSubscriptions(url);
    progress(`subscriptions: opening ${formatNumber(tokens.length)} subscriptions`);
    for (const token of tokens) clients.push(subscriber(wsUrl, token, onDelivery, onError));
    const deadline = Date.now() + 60_000;
    while ((await openSubscriptions(url)) < opened + tokens.length) {
      if (Date.now() > deadline) throw new Error('the subscriptions did not all open within 60 s');
      await sleep(200);
    }

    // The projector publishes to every follower's channel in one pipeline: the harness listens
    // on the real follower's channel and takes that moment as the event's time.
    const published = new Map();
    const listener = redis.duplicate();
    await listener.subscribe(`feeds:feed-updates:${follower.id}`);
    listener.on('message', (_channel, message) => {
      const { id } = JSON.parse(message);
      if (!published.has(id)) published.set(id, performance.now());
    });
    const closeListener = onCleanup(() => listener.disconnect());

    const samples = [];
    const cpu = new CpuSampler();
    const post = async (text) => {
      const sentAt = performance.now();
      const { postUpdate } = await gql(url, { query: POST, variables: { t: text }, token: author.token });
      const answeredAt = performance.now();
      const until = Date.now() + p.timeoutMs;
      while ((deliveries.get(postUpdate.id)?.length ?? 0) < tokens.length && Date.now() < until)
        await sleep(20);
      return { id: postUpdate.id, sentAt, answeredAt };
    };
    progress('subscriptions: one unmeasured post, then the measured ones');
    await post(`warm-up (perf ${runId})`);
    cpu.start();
    const started = performance.now();
    for (let i = 0; i < p.posts; i += 1) {
      samples.push(await post(`Fan-out post ${i + 1} (perf ${runId})`));
      await sleep(p.pauseMs);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuResult = cpu.stop();

    const eventToDelivery = [];
    const answerToDelivery = [];
    let delivered = 0;
    let unstamped = 0;
    for (const sample of samples) {
      const arrivals = deliveries.get(sample.id) ?? [];
      delivered += arrivals.length;
      const eventAt = published.get(sample.id);
      if (eventAt === undefined) unstamped += 1;
      for (const arrivedAt of arrivals) {
        if (eventAt !== undefined) eventToDelivery.push(arrivedAt - eventAt);
        answerToDelivery.push(arrivedAt - sample.answeredAt);
      }
    }
    const expected = samples.length * tokens.length;
    const missing = expected - delivered;
    const lagMs = latencyStats(eventToDelivery);
    const postToDelivery = latencyStats(answerToDelivery);
    const gatewayPct = cpuResult?.groups?.gateway;
    const gatewayCpuMsPerDelivery =
      gatewayPct === undefined || delivered === 0
        ? null
        : Math.round(((gatewayPct / 100) * seconds * 1000 * 100) / delivered) / 100;
    const errorSamples = [...errors].map(([message, count]) => `${count}× ${message}`);

    closeListener();
    await listener.quit().catch(() => undefined);
    closeAll();
    await Promise.all(clients.map((c) => c.dispose().catch(() => undefined)));
    redis.disconnect();
    await kafka.disconnect();
    await primary.end();

    return {
      setup: {
        subscribers: tokens.length,
        posts: samples.length,
        seededWith:
          'one author and one follower registered through the gateway; the other followers are feeds.Followed events ' +
          "on Kafka, with access tokens signed by identity's own current key (read from its database).",
      },
      results: [
        {
          scenario: 'subscriptions.feed-fanout',
          description:
            `${formatNumber(tokens.length)} open \`feedUpdates\` subscriptions (graphql-ws, one per follower, each with its own ` +
            `token), selecting \`id verb text at actor { id displayName }\`; the author posts ${samples.length} times, ` +
            `${p.pauseMs} ms apart after each post has been delivered everywhere (or ${p.timeoutMs / 1000} s passed). ` +
            'Lag = the message on Redis (stamped by a harness subscriber on one follower’s channel) → the subscriber has the ' +
            'result: for each subscriber the gateway reads the activity through the supergraph as that subscriber.',
          kind: 'lag',
          connections: tokens.length,
          durationSec: Math.round(seconds * 100) / 100,
          requests: expected,
          rps: null,
          latencyMs: postToDelivery,
          errors: {
            non2xx: 0,
            graphql: [...errors.values()].reduce((a, b) => a + b, 0),
            transport: 0,
            timeouts: missing,
            total: missing + [...errors.values()].reduce((a, b) => a + b, 0),
            samples: [
              ...(missing ? [`${missing} of ${expected} deliveries missing`] : []),
              ...errorSamples.slice(0, 5),
            ],
          },
          metrics: {
            lagMs,
            postAnsweredToDeliveryMs: postToDelivery,
            delivered,
            expected,
            postsNotStamped: unstamped,
            gatewayCpuMsPerDelivery,
          },
          summary:
            `${formatNumber(delivered)} / ${formatNumber(expected)} delivered; event → delivery p50 ${lagMs.p50} / ` +
            `p99 ${lagMs.p99} ms; post answered → delivery p99 ${postToDelivery.p99} ms; gateway ${gatewayCpuMsPerDelivery ?? 'n/a'} ms CPU per delivery`,
          cpu: cpuResult,
        },
      ],
      notes: [
        'latency columns: post answered → delivered (includes the outbox relay, Kafka and the projection); "lag": event on Redis → delivered.',
      ],
    };
  },
};
