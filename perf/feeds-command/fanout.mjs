// Suite feeds-command: how long a post takes to reach a follower's feed — for an ordinary author
// (fanned out on write to ~200 followers) and for a celebrity (> 1000 followers, merged on read)
// — and postUpdate throughput through the gateway. The authors and the polling follower are real
// users registered through the gateway; the other followers arrive as feeds.Followed events on
// Kafka (as feeds-command publishes them), like apps/gateway-e2e's celebrity test.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from '../lib/cpu.mjs';
import { gql } from '../lib/graphql.mjs';
import { formatNumber, latencyStats, progress } from '../lib/runner.mjs';
import {
  checkFeedsStack,
  FeedsKafka,
  feedsTargets,
  followedMessage,
  projectedOffsets,
  registerUser,
  remaining,
  runHttpAs,
  waitForProjection,
} from '../feeds-query/common.mjs';

const plan = (quick) => ({
  ordinaryFollowers: 200,
  celebrityFollowers: 1_500,
  samples: quick ? 10 : 20,
  pollMs: 10,
  timeoutMs: 30_000,
  /** Pause between samples, so one post's projection does not overlap the next. */
  pauseMs: 300,
});

const POST = 'mutation($t: String!) { postUpdate(text: $t) { id at consistencyToken } }';
const FEED_HEAD = '{ feed(first: 1) { nodes { id } } }';
const FOLLOW = 'mutation($u: ID!) { follow(userId: $u) }';
const FOLLOWERS = 'query($u: ID!) { user(id: $u) { followerCount } }';

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * One sample: `author` posts through the gateway; `reader` polls `feed(first: 1)` every pollMs
 * until the post is its newest item. Times: sent → answered (the mutation), answered → seen (lag).
 */
async function measureLag(url, author, reader, text, p) {
  const sentAt = performance.now();
  const posted = await gql(url, { query: POST, variables: { t: text }, token: author.token });
  const respondedAt = performance.now();
  const id = posted.postUpdate.id;
  let polls = 0;
  for (;;) {
    const data = await gql(url, { query: FEED_HEAD, token: reader.token });
    polls += 1;
    const seenAt = performance.now();
    if (data.feed.nodes[0]?.id === id) return { sentAt, respondedAt, seenAt, polls };
    if (seenAt - respondedAt > p.timeoutMs) return { sentAt, respondedAt, seenAt: null, polls };
    await sleep(p.pollMs);
  }
}

function lagResult(name, description, samples, cpu, totalSec) {
  const seen = samples.filter((s) => s.seenAt !== null);
  const missing = samples.length - seen.length;
  const lagMs = latencyStats(seen.map((s) => s.seenAt - s.respondedAt));
  const sendToVisibleMs = latencyStats(seen.map((s) => s.seenAt - s.sentAt));
  return {
    scenario: name,
    description,
    kind: 'lag',
    connections: 1,
    durationSec: Math.round(totalSec * 100) / 100,
    requests: samples.length,
    rps: null,
    latencyMs: latencyStats(samples.map((s) => s.respondedAt - s.sentAt)),
    errors: {
      non2xx: 0,
      graphql: 0,
      transport: 0,
      timeouts: missing,
      total: missing,
      samples: missing ? [`${missing} posts not in the feed after 30 s`] : [],
    },
    metrics: { lagMs, sendToVisibleMs, polls: seen.reduce((sum, s) => sum + s.polls, 0) },
    summary:
      `${samples.length} posts; lag p50 ${lagMs.p50} / p99 ${lagMs.p99} ms (max ${lagMs.max}); ` +
      `post → visible p99 ${sendToVisibleMs.p99} ms`,
    cpu,
  };
}

export default {
  name: 'feeds-command',
  async run({ targets, options, timings, runId, onCleanup }) {
    const p = plan(options.quick);
    const url = targets.gateway;
    const feeds = await feedsTargets(targets);
    const primary = new pg.Client({
      connectionString: feeds.feedsReadPrimary,
      application_name: 'perf-harness',
    });
    await primary.connect();
    const kafka = new FeedsKafka(feeds.kafkaBrokers);
    const closeAll = onCleanup(async () => {
      await kafka.disconnect();
      await primary.end().catch(() => undefined);
    });
    await kafka.connect();

    progress(
      'feeds-command: registering an ordinary author, a celebrity and their follower through the gateway',
    );
    const ordinary = await registerUser(url, runId, 'author');
    const celebrity = await registerUser(url, runId, 'celebrity');
    const follower = await registerUser(url, runId, 'follower');
    await checkFeedsStack(url, feeds.feedsQuery, follower.token);
    // feeds-command learns users from identity.events: follow waits up to 5 s for them itself.
    await waitFor(
      () => gql(url, { query: FOLLOW, variables: { u: ordinary.id }, token: follower.token }),
      30_000,
      'following the ordinary author',
    );
    await waitFor(
      () => gql(url, { query: FOLLOW, variables: { u: celebrity.id }, token: follower.token }),
      30_000,
      'following the celebrity',
    );

    // Everyone else follows by event: synthetic followers, one Followed each (version 1).
    const at = new Date(Date.now() - 60_000).toISOString();
    const messages = [
      ...Array.from({ length: p.ordinaryFollowers - 1 }, () =>
        followedMessage(randomUUID(), ordinary.id, 1, at),
      ),
      ...Array.from({ length: p.celebrityFollowers - 1 }, () =>
        followedMessage(randomUUID(), celebrity.id, 1, at),
      ),
    ];
    progress(`feeds-command: ${formatNumber(messages.length)} Followed events to Kafka`);
    const before = remaining(await kafka.endOffsets(), await projectedOffsets(primary));
    await kafka.send(messages, 2000);
    await waitForProjection(primary, await kafka.endOffsets(), {
      label: 'followers',
      total: messages.length + before,
    });
    const counts = {};
    for (const [label, user, want] of [
      ['ordinary', ordinary, p.ordinaryFollowers],
      ['celebrity', celebrity, p.celebrityFollowers],
    ]) {
      const data = await waitFor(
        async () => {
          const d = await gql(url, { query: FOLLOWERS, variables: { u: user.id }, token: follower.token });
          return d.user?.followerCount >= want ? d : undefined;
        },
        60_000,
        `${label}'s ${want} followers`,
      );
      counts[label] = data.user.followerCount;
    }
    progress(`feeds-command: followers ordinary ${counts.ordinary}, celebrity ${counts.celebrity}`);
    await kafka.disconnect();

    // Lag: the two authors take turns, so both see the same conditions.
    progress(`feeds-command: measuring feed lag, ${p.samples} posts per author`);
    const samples = { ordinary: [], celebrity: [] };
    const cpuAll = new CpuSampler();
    cpuAll.start();
    const started = performance.now();
    // One unmeasured round first: the first post of a user warms caches and connections.
    await measureLag(url, ordinary, follower, `warm-up (perf ${runId})`, p);
    await measureLag(url, celebrity, follower, `warm-up (perf ${runId})`, p);
    for (let i = 0; i < p.samples; i += 1) {
      for (const [label, author] of [
        ['ordinary', ordinary],
        ['celebrity', celebrity],
      ]) {
        const sample = await measureLag(
          url,
          author,
          follower,
          `Post ${i + 1} of the ${label} author (perf ${runId})`,
          p,
        );
        samples[label].push(sample);
        await sleep(p.pauseMs);
      }
      if ((i + 1) % 5 === 0) progress(`feeds-command: ${i + 1} / ${p.samples} rounds`);
    }
    const lagSec = (performance.now() - started) / 1000;
    const lagCpu = cpuAll.stop();
    const results = [
      lagResult(
        'feeds-command.feed-lag-ordinary',
        `An author with ${formatNumber(counts.ordinary)} followers (≤ 1000: fanned out on write) posts through the gateway ` +
          '(`postUpdate`); one real follower polls `feed(first: 1)` through the gateway every ' +
          `${p.pollMs} ms until the post is its newest item. Lag = mutation answered → post seen (outbox relay, Kafka, ` +
          'feeds-query projection with the fan-out, replication to the replica). req/s is not meaningful; latency columns are the mutation.',
        samples.ordinary,
        lagCpu,
        lagSec,
      ),
      lagResult(
        'feeds-command.feed-lag-celebrity',
        `The same for an author with ${formatNumber(counts.celebrity)} followers (> 1000): the post gets only the ` +
          "author's own row and the follower's `feed` merges it in at query time.",
        samples.celebrity,
        lagCpu,
        lagSec,
      ),
    ];

    // Mutation throughput: one author per connection, so no two requests wait on one stream lock.
    const { connections, warmupSec, durationSec } = timings;
    progress(`feeds-command: registering ${connections} authors for postUpdate throughput`);
    const authors = [];
    for (let i = 0; i < connections; i += 1) authors.push(await registerUser(url, runId, `poster${i}`));
    let nextAuthor = 0;
    let count = 0;
    const kafkaAfter = new FeedsKafka(feeds.kafkaBrokers);
    await kafkaAfter.connect();
    const closeKafkaAfter = onCleanup(() => kafkaAfter.disconnect());
    const postRun = await runHttpAs({
      name: 'feeds-command.post-update',
      description:
        `\`postUpdate(text)\` through the gateway, ${connections} connections, each its own author (no followers): ` +
        "feeds-command's transaction (stream lock, post row, outbox) and the answer. The summary gives how long " +
        'feeds-query took to project every post after the last answer.',
      url,
      connections,
      warmupSec,
      durationSec,
      next: (context) => {
        context.author ??= authors[nextAuthor++ % authors.length];
        count += 1;
        return {
          token: context.author.token,
          body: JSON.stringify({ query: POST, variables: { t: `Throughput post ${count} (perf ${runId})` } }),
        };
      },
    });
    const answeredAt = Date.now();
    // The relay publishes from the outbox on its own schedule: give it a moment to catch up.
    let drainSec = null;
    try {
      await sleep(1000);
      const end = await kafkaAfter.endOffsets();
      await waitForProjection(primary, end, { label: 'posts', stallMs: 60_000 });
      drainSec = Math.round((Date.now() - answeredAt) / 100) / 10;
    } catch (error) {
      progress(`feeds-command: ${error.message}`);
    }
    await kafkaAfter.disconnect();
    closeKafkaAfter();
    postRun.metrics.posts = count;
    postRun.metrics.projectedSecondsAfterLastAnswer = drainSec;
    postRun.summary = `${formatNumber(count)} posts (warm-up included); projected ${drainSec ?? 'n/a'} s after the last answer`;
    results.push(postRun);

    await primary.end();
    closeAll();
    return {
      setup: {
        seededWith:
          'authors and the polling follower are real users (gateway register); the follower follows both through the ' +
          `gateway; the other ${formatNumber(messages.length)} followers are feeds.Followed events produced straight to Kafka ` +
          '(no identity accounts: registering thousands through scrypt is too slow).',
        followers: counts,
        samplesPerAuthor: p.samples,
        pollMs: p.pollMs,
        authorsForThroughput: connections,
      },
      results,
      notes: [
        `Lag resolution is about one poll (${p.pollMs} ms pause + one feed request through the gateway).`,
        'Both lag rows share one CPU sample (the authors take turns).',
      ],
    };
  },
};
