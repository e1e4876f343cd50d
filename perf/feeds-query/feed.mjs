// Suite feeds-query: a user's feed (first page, second page) and trending courses, read at the
// issue's scale (10,000 users, 1,000,000 activities; --quick: 1,000 and 100,000). The seed is
// produced as feeds events straight to Kafka (registering 10,000 users through identity's scrypt
// would take half an hour), and the time feeds-query's projection takes to absorb it is the
// fan-out throughput.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gql } from '../lib/graphql.mjs';
import { formatNumber, progress, runLoop } from '../lib/runner.mjs';
import {
  checkFeedsStack,
  coursePublishedMessage,
  enrolledMessage,
  FeedsKafka,
  feedsTargets,
  followedMessage,
  postedMessage,
  prng,
  projectedOffsets,
  refreshToken,
  registerUser,
  remaining,
  runHttpAs,
  runHttpPaced,
  sample,
  StatementSampler,
  tableCounters,
  waitForProjection,
  waitForReplica,
  warmUpAs,
} from './common.mjs';

const DAY_MS = 24 * 60 * 60_000;
/** Activities are spread over this many days before the seed's start; follows are older. */
const SPAN_DAYS = 14;
const PAGE = 20;
/** What the seed quoted for the feed: 100 req/s at 100–200 ms. */
const SEED_TARGET = { rps: 100, latencyMs: '100–200' };
const FAN_OUT_THRESHOLD = 1000;

const plan = (quick) => ({
  users: quick ? 1_000 : 10_000,
  activities: quick ? 100_000 : 1_000_000,
  courses: quick ? 100 : 200,
  /** Real users (registered through the gateway) whose feeds are read. */
  readers: 8,
  /** Each reader follows this many authors, uniformly at random in the range, and the celebrity. */
  readerFollows: [50, 200],
  /** Every other user follows this many others: the background fan-out. */
  followsPerUser: 5,
  /** > FAN_OUT_THRESHOLD: fanned out on read. */
  celebrityFollowers: quick ? 1_200 : 1_500,
  celebrityPosts: quick ? 300 : 1_000,
  batch: 5_000,
});

const FEED_QUERY = `query Feed($after: String) {
  feed(first: ${PAGE}, after: $after) {
    nodes { id verb at actor { id } course { id title } text }
    pageInfo { hasNextPage endCursor }
  }
}`;
const TRENDING_QUERY = '{ trendingCourses(window: DAY, first: 10) { id title enrollmentCount } }';

/** feed-reads.ts feedPage, first page: the caller's rows and the celebrities they follow, with the activities and courses, in one statement. */
const FEED_PAGE_SQL = `WITH own AS (
    SELECT fi.activity_id AS id, fi.at FROM feed_items fi WHERE fi.owner_id = $1
    ORDER BY fi.at DESC, fi.activity_id DESC LIMIT $2),
  celebrity AS (
    SELECT x.id, x.at FROM follow_counts c
    JOIN follows f ON f.follower_id = $1 AND f.followee_id = c.user_id
    CROSS JOIN LATERAL (
      SELECT x.id, x.at FROM activities x WHERE x.actor_id = c.user_id ORDER BY x.at DESC, x.id DESC LIMIT $2) x
    WHERE c.follower_count > $3
    ORDER BY x.at DESC, x.id DESC LIMIT $2)
  SELECT a.id::text AS activity_id, a.actor_id::text AS actor_id, a.verb, a.course_id::text AS course_id, a.text, a.at,
    c.id::text AS id, c.author_id::text AS author_id, c.title, c.summary, c.tags, c.published_at,
    coalesce(s.enrollment_count, 0) AS enrollment_count
  FROM (SELECT id, at FROM own UNION SELECT id, at FROM celebrity ORDER BY at DESC, id DESC LIMIT $2) page
  JOIN activities a ON a.id = page.id
  LEFT JOIN courses c ON c.id = a.course_id
  LEFT JOIN course_stats s ON s.course_id = a.course_id`;

/** Builds the seed: who follows whom (phase 1) and the activities (phase 2), as Kafka messages. */
class Seed {
  constructor(p, readers, runId) {
    this.p = p;
    this.runId = runId;
    this.random = prng(20_261_123);
    this.readers = readers;
    this.celebrity = randomUUID();
    this.authors = Array.from({ length: p.users - readers.length - 1 }, () => randomUUID());
    this.courses = Array.from({ length: p.courses }, (_, i) => ({
      id: randomUUID(),
      title: `Perf course ${i + 1} (${runId})`,
      lessons: 1 + Math.floor(this.random() * 10),
    }));
    this.start = Date.now();
    this.counts = {
      courses: p.courses,
      follows: 0,
      readerFollows: [],
      celebrityFollowers: 0,
      extraFollowers: 0,
    };
  }

  /** CoursePublished for every course, then every Followed, all dated before the activities. */
  phaseOne() {
    const { p, random } = this;
    const messages = [];
    const published = new Date(this.start - (SPAN_DAYS + 2) * DAY_MS).toISOString();
    for (const course of this.courses) {
      const author = this.authors[Math.floor(random() * this.authors.length)];
      messages.push(coursePublishedMessage(course.id, author, course.title, course.lessons, published));
    }
    const edges = [];
    for (const reader of this.readers) {
      const [min, max] = p.readerFollows;
      const count = min + Math.floor(random() * (max - min + 1));
      const followees = sample(this.authors, count, random);
      this.counts.readerFollows.push(count + 1);
      edges.push([reader.id, this.celebrity], ...followees.map((followee) => [reader.id, followee]));
    }
    const fans = this.authors.slice(
      0,
      Math.min(p.celebrityFollowers - this.readers.length, this.authors.length),
    );
    const extra = Math.max(0, p.celebrityFollowers - this.readers.length - fans.length);
    // Quick mode has fewer users than the celebrity needs followers: the rest follow only.
    for (let i = 0; i < extra; i += 1) fans.push(randomUUID());
    this.counts.extraFollowers = extra;
    this.counts.celebrityFollowers = fans.length + this.readers.length;
    for (const fan of fans) edges.push([fan, this.celebrity]);
    const n = this.authors.length;
    for (let i = 0; i < n; i += 1) {
      const chosen = new Set();
      while (chosen.size < Math.min(p.followsPerUser, n - 1)) {
        const j = Math.floor(random() * n);
        if (j !== i) chosen.add(j);
      }
      for (const j of chosen) edges.push([this.authors[i], this.authors[j]]);
    }
    const versions = new Map();
    const first = this.start - (SPAN_DAYS + 1) * DAY_MS;
    edges.forEach(([follower, followee], i) => {
      const version = (versions.get(follower) ?? 0) + 1;
      versions.set(follower, version);
      messages.push(followedMessage(follower, followee, version, new Date(first + i).toISOString()));
    });
    this.counts.follows = edges.length;
    return messages;
  }

  /**
   * Yields the activities in batches, oldest first, spread evenly over SPAN_DAYS: half posts, half
   * enrollments (a user enrolls in distinct courses; one who has run out posts instead), and the
   * celebrity's posts among them. Versions count per aggregate from 1.
   */
  *phaseTwo() {
    const { p, random } = this;
    const total = p.activities - this.counts.follows;
    const n = this.authors.length;
    const posts = new Int32Array(n);
    const enrolled = new Int32Array(n);
    const courseOffset = Int32Array.from({ length: n }, () => Math.floor(random() * p.courses));
    let celebrityPosts = 0;
    const span = SPAN_DAYS * DAY_MS;
    const from = this.start - span;
    this.counts.posts = 0;
    this.counts.enrollments = 0;
    let batch = [];
    for (let i = 0; i < total; i += 1) {
      const at = new Date(from + Math.floor((i * span) / total)).toISOString();
      if (random() < p.celebrityPosts / total) {
        celebrityPosts += 1;
        batch.push(
          postedMessage(this.celebrity, celebrityPosts, at, this.text(celebrityPosts, 'the celebrity')),
        );
        this.counts.posts += 1;
      } else {
        const u = Math.floor(random() * n);
        if (random() < 0.5 && enrolled[u] < p.courses) {
          const course = this.courses[(courseOffset[u] + enrolled[u]) % p.courses];
          enrolled[u] += 1;
          batch.push(enrolledMessage(this.authors[u], course.id, course.lessons, at));
          this.counts.enrollments += 1;
        } else {
          posts[u] += 1;
          batch.push(postedMessage(this.authors[u], posts[u], at, this.text(posts[u], `author ${u}`)));
          this.counts.posts += 1;
        }
      }
      if (batch.length === p.batch) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    this.counts.celebrityPosts = celebrityPosts;
  }

  text(n, who) {
    return `Update ${n} from ${who}: today's lesson on heat pumps and smart meters went well (perf ${this.runId}).`;
  }
}

/** Produces `messages` and waits for the projection; returns timings and table counter deltas. */
async function absorb(kafka, primary, primaryUrl, label, produce, total) {
  const before = await tableCounters(primary);
  const sampler = new StatementSampler(primaryUrl);
  await sampler.start();
  const started = Date.now();
  await produce();
  const producedAt = Date.now();
  const end = await kafka.endOffsets();
  progress(
    `${label}: ${formatNumber(total)} events produced in ${((producedAt - started) / 1000).toFixed(1)} s; waiting for the projection`,
  );
  let doneAt;
  let profile;
  try {
    doneAt = await waitForProjection(primary, end, { label, total });
  } finally {
    profile = await sampler.stop();
  }
  // Backends report row counts to the statistics at most once a second.
  await sleep(1500);
  const after = await tableCounters(primary);
  const delta = (table, key) => (after[table]?.[key] ?? 0) - (before[table]?.[key] ?? 0);
  const seconds = (doneAt - started) / 1000;
  return {
    events: total,
    produceSec: Math.round((producedAt - started) / 100) / 10,
    producedPerSec: Math.round(total / ((producedAt - started) / 1000)),
    absorbSec: Math.round(seconds * 10) / 10,
    eventsPerSec: Math.round(total / seconds),
    activitiesInserted: delta('activities', 'ins'),
    feedRowsInserted: delta('feed_items', 'ins'),
    feedRowsTrimmed: delta('feed_items', 'del'),
    feedRowsPerSec: Math.round(delta('feed_items', 'ins') / seconds),
    projectorProfile: profile,
  };
}

export default {
  name: 'feeds-query',
  async run({ targets, options, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    const p = plan(options.quick);
    const feeds = await feedsTargets(targets);
    progress(`feeds-query: registering ${p.readers} readers through the gateway`);
    const readers = [];
    for (let i = 0; i < p.readers; i += 1)
      readers.push(await registerUser(targets.gateway, runId, `reader${i}`));
    await checkFeedsStack(targets.gateway, feeds.feedsQuery, readers[0].token);

    const primary = new pg.Client({
      connectionString: feeds.feedsReadPrimary,
      application_name: 'perf-harness',
    });
    const replica = new pg.Client({
      connectionString: feeds.feedsReadReplica,
      application_name: 'perf-harness',
    });
    await primary.connect();
    await replica.connect();
    const kafka = new FeedsKafka(feeds.kafkaBrokers);
    const closeAll = onCleanup(async () => {
      await kafka.disconnect();
      await primary.end().catch(() => undefined);
      await replica.end().catch(() => undefined);
    });
    await kafka.connect();

    // Whatever the projection still has to do from before is not ours to time.
    const backlog = remaining(await kafka.endOffsets(), await projectedOffsets(primary));
    if (backlog > 0) {
      progress(`feeds-query: the projection is ${formatNumber(backlog)} events behind; waiting for it first`);
      await waitForProjection(primary, await kafka.endOffsets(), { label: 'backlog', total: backlog });
    }

    const seed = new Seed(p, readers, runId);
    const activitiesBefore = Number(
      (await primary.query('SELECT count(*)::text AS n FROM activities')).rows[0].n,
    );

    progress(
      `feeds-query: seeding ${formatNumber(p.users)} users, ${formatNumber(p.activities)} activities as events on Kafka ` +
        `(${feeds.kafkaBrokers.join(',')})`,
    );
    const followMessages = seed.phaseOne();
    const follows = await absorb(
      kafka,
      primary,
      feeds.feedsReadPrimary,
      'seed follows',
      () => kafka.send(followMessages, p.batch),
      followMessages.length,
    );
    const activityCount = p.activities - seed.counts.follows;
    let sent = 0;
    let lastPrint = Date.now();
    const activities = await absorb(
      kafka,
      primary,
      feeds.feedsReadPrimary,
      'seed activities',
      async () => {
        for (const batch of seed.phaseTwo()) {
          await kafka.send(batch, p.batch);
          sent += batch.length;
          if (Date.now() - lastPrint > 5000) {
            lastPrint = Date.now();
            progress(`seed activities: ${formatNumber(sent)} / ${formatNumber(activityCount)} produced`);
          }
        }
      },
      activityCount,
    );
    const replicaWaitMs = await waitForReplica(primary, replica);
    const activitiesAfter = Number(
      (await primary.query('SELECT count(*)::text AS n FROM activities')).rows[0].n,
    );
    const followerCount = Number(
      (await primary.query('SELECT follower_count FROM follow_counts WHERE user_id = $1', [seed.celebrity]))
        .rows[0]?.follower_count ?? 0,
    );
    const seedSec = follows.absorbSec + activities.absorbSec;
    progress(
      `feeds-query: seed absorbed: ${formatNumber(p.activities)} activities in ${seedSec.toFixed(1)} s; activities phase ` +
        `${formatNumber(activities.eventsPerSec)} activities/s, ${formatNumber(activities.feedRowsPerSec)} feed rows/s`,
    );
    await kafka.disconnect();

    // Tokens live 15 minutes; a full seed can take longer.
    for (const reader of readers) await refreshToken(targets.gateway, reader);
    const firstPages = [];
    for (const reader of readers) {
      const data = await gql(targets.gateway, { query: FEED_QUERY, variables: {}, token: reader.token });
      firstPages.push(data.feed);
      if (data.feed.nodes.length !== PAGE || !data.feed.pageInfo.hasNextPage) {
        throw new Error(
          `reader ${reader.label}'s feed is not a full page: ${JSON.stringify(data.feed).slice(0, 300)}`,
        );
      }
    }
    const ownRows = await primary.query(
      'SELECT owner_id::text AS id, count(*)::int AS n FROM feed_items WHERE owner_id = ANY($1::uuid[]) GROUP BY 1',
      [readers.map((r) => r.id)],
    );
    const trending = await gql(targets.gateway, { query: TRENDING_QUERY, token: readers[0].token });

    const setup = {
      seededWith:
        'feeds events produced straight to Kafka (feeds.events), as feeds-command would publish them: registering ' +
        `${formatNumber(p.users)} users through identity (scrypt, ~150 ms of CPU each) is too slow; the ${p.readers} readers are ` +
        'real users registered through the gateway, everyone else exists only in feeds events.',
      users: p.users,
      readers: p.readers,
      readerFollows: seed.counts.readerFollows,
      followsPerOtherUser: p.followsPerUser,
      follows: seed.counts.follows,
      celebrityFollowers: followerCount,
      celebrityFollowersWhoAreNotUsers: seed.counts.extraFollowers,
      courses: p.courses,
      activities: {
        total: p.activities,
        followed: seed.counts.follows,
        posted: seed.counts.posts,
        enrolled: seed.counts.enrollments,
        celebrityPosts: seed.counts.celebrityPosts,
        spreadOverDays: SPAN_DAYS,
        inTableBefore: activitiesBefore,
        inTableAfter: activitiesAfter,
      },
      projection: { follows, activities, replicaCatchUpMs: replicaWaitMs },
      readerFeedRows: Object.fromEntries(ownRows.rows.map((r) => [r.id, r.n])),
      firstPage: {
        celebrityItems: firstPages.reduce(
          (sum, page) => sum + page.nodes.filter((node) => node.actor.id === seed.celebrity).length,
          0,
        ),
        withCourse: firstPages.reduce(
          (sum, page) => sum + page.nodes.filter((node) => node.course).length,
          0,
        ),
        of: firstPages.length * PAGE,
      },
      trendingTop: trending.trendingCourses.slice(0, 3),
    };
    if (activitiesAfter - activitiesBefore !== p.activities) {
      progress(
        `warning: activities grew by ${activitiesAfter - activitiesBefore}, not ${p.activities} (other writers, or skipped events)`,
      );
    }

    const results = [];
    let turn = 0;
    const roundRobin = (body) => () => {
      const reader = readers[turn++ % readers.length];
      return { token: reader.token, body };
    };
    const firstBody = JSON.stringify({ query: FEED_QUERY, variables: {} });
    const common = { connections, warmupSec, durationSec };

    // The services sat mostly idle through the seed while Postgres took millions of rows: one
    // round of every request this suite sends, unmeasured, so the first scenario does not pay
    // for cold code paths and caches that the later ones find warm.
    const stackWarmupSec = Math.max(warmupSec * 3, 6);
    for (const body of [firstBody, JSON.stringify({ query: TRENDING_QUERY })]) {
      await warmUpAs(
        { connections, name: 'feeds-query.stack-warm-up', url: targets.gateway, next: roundRobin(body) },
        stackWarmupSec,
      );
    }

    results.push(
      await runHttpAs({
        ...common,
        name: 'feeds-query.feed-first-20',
        description:
          `\`feed(first: ${PAGE}) { nodes { id verb at actor { id } course { id title } text } pageInfo { … } }\` through the ` +
          `gateway, round robin over the ${p.readers} readers' tokens. Each reader follows ${p.readerFollows.join('–')} authors ` +
          `(fanned out on write into a feed capped at 1000 rows) and one celebrity with ${formatNumber(followerCount)} ` +
          'followers (merged on read).',
        url: targets.gateway,
        next: roundRobin(firstBody),
      }),
    );

    results.push(
      await runHttpPaced({
        ...common,
        name: 'feeds-query.feed-at-seed-rate',
        rps: SEED_TARGET.rps,
        description:
          `The first page through the gateway at the seed's own rate: ${SEED_TARGET.rps} req/s offered, one every ` +
          `${1000 / SEED_TARGET.rps} ms (open loop, timed from when each was due), so the latency is the page's, not a queue's.`,
        url: targets.gateway,
        next: roundRobin(firstBody),
      }),
    );

    const secondBodies = new Map(
      readers.map((reader, i) => [
        reader.id,
        JSON.stringify({ query: FEED_QUERY, variables: { after: firstPages[i].pageInfo.endCursor } }),
      ]),
    );
    results.push(
      await runHttpAs({
        ...common,
        name: 'feeds-query.feed-second-page',
        description:
          `The same query with \`after:\` the first page's endCursor (each reader their own cursor): the keyset ` +
          'predicate on both the feed rows and the celebrity merge.',
        url: targets.gateway,
        next: () => {
          const reader = readers[turn++ % readers.length];
          return { token: reader.token, body: secondBodies.get(reader.id) };
        },
      }),
    );

    results.push(
      await runHttpAs({
        ...common,
        name: 'feeds-query.feed-first-20-subgraph',
        description:
          'The first page straight to the feeds-query subgraph, without the gateway: the difference to feed-first-20 is the gateway hop.',
        url: feeds.feedsQuery,
        next: roundRobin(firstBody),
      }),
    );

    results.push(
      await runHttpAs({
        ...common,
        name: 'feeds-query.trending',
        description:
          '`trendingCourses(window: DAY, first: 10) { id title enrollmentCount }` through the gateway (round robin over the readers).',
        url: targets.gateway,
        next: roundRobin(JSON.stringify({ query: TRENDING_QUERY })),
      }),
    );

    // The statements feedPage runs for a first page, and the course lookup, with plain pg.
    const clients = [];
    const closeClients = onCleanup(() => Promise.all(clients.map((c) => c.end().catch(() => undefined))));
    for (let i = 0; i < connections; i += 1) {
      const client = new pg.Client({
        connectionString: feeds.feedsReadReplica,
        application_name: 'perf-harness',
      });
      await client.connect();
      clients.push(client);
    }
    let sqlTurn = 0;
    try {
      results.push(
        await runLoop({
          name: 'replica.feed-page-sql',
          description:
            `The statement of one first page on the read replica with plain \`pg\`, ${connections} clients: the reader's feed rows ` +
            `(LIMIT ${PAGE + 1}) and the celebrities they follow (LIMIT ${PAGE + 1}), with their activities and courses. No HTTP, GraphQL or auth.`,
          concurrency: connections,
          warmupSec,
          durationSec,
          op: async (worker) => {
            const client = clients[worker];
            const reader = readers[sqlTurn++ % readers.length];
            await client.query(FEED_PAGE_SQL, [reader.id, PAGE + 1, FAN_OUT_THRESHOLD]);
          },
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      closeClients();
    }
    await primary.end();
    await replica.end();
    closeAll();

    const by = Object.fromEntries(results.map((r) => [r.scenario, r]));
    const first = by['feeds-query.feed-first-20'];
    const sub = by['feeds-query.feed-first-20-subgraph'];
    const sql = by['replica.feed-page-sql'];
    const comparisons = [];
    const ratio = (a, b) => (a?.rps > 0 && b ? Math.round((b.rps / a.rps) * 100) / 100 : null);
    const hop = ratio(first, sub);
    if (hop !== null) {
      sub.summary = `${hop}× the rate through the gateway`;
      comparisons.push({
        a: first.scenario,
        b: sub.scenario,
        ratio: hop,
        text: `Gateway hop: feeds-query alone serves ${formatNumber(sub.rps)} first pages/s, ${hop}× the ${formatNumber(first.rps)}/s through the gateway.`,
      });
    }
    const direct = ratio(first, sql);
    if (direct !== null) {
      sql.summary = 'baseline for the ratios';
      first.metrics.directSqlRatio = direct;
      comparisons.push({
        a: first.scenario,
        b: sql.scenario,
        ratio: direct,
        text: `Direct SQL for the same page does ${formatNumber(sql.rps)} rounds/s, ${direct}× the gateway's ${formatNumber(first.rps)} req/s.`,
      });
    }
    if (first) {
      const times = Math.round((first.rps / SEED_TARGET.rps) * 10) / 10;
      first.summary =
        `${times}× the seed's ${SEED_TARGET.rps} req/s (at ${SEED_TARGET.latencyMs} ms); p50 ${first.latencyMs.p50} ms` +
        (direct ? `; direct SQL ${direct}×` : '');
      comparisons.push({
        a: first.scenario,
        b: 'seed target',
        ratio: times,
        text:
          `Against the seed's target of ${SEED_TARGET.rps} req/s at ${SEED_TARGET.latencyMs} ms: ${formatNumber(first.rps)} req/s ` +
          `(${times}×) at p50 ${first.latencyMs.p50} / p99 ${first.latencyMs.p99} ms with ${connections} connections.`,
      });
    }
    const atSeedRate = by['feeds-query.feed-at-seed-rate'];
    if (atSeedRate) {
      atSeedRate.summary = `${SEED_TARGET.rps} req/s offered; p50 ${atSeedRate.latencyMs.p50} / p99 ${atSeedRate.latencyMs.p99} ms against the seed's ${SEED_TARGET.latencyMs} ms`;
      comparisons.push({
        a: atSeedRate.scenario,
        b: 'seed target',
        ratio: null,
        text: `At the seed's own ${SEED_TARGET.rps} req/s the first page takes p50 ${atSeedRate.latencyMs.p50} / p99 ${atSeedRate.latencyMs.p99} ms through the gateway; the seed quotes ${SEED_TARGET.latencyMs} ms.`,
      });
    }
    const second = by['feeds-query.feed-second-page'];
    if (second && first) second.summary = `${ratio(first, second)}× the first page's rate`;
    const trend = by['feeds-query.trending'];
    if (trend)
      trend.summary = `top: ${setup.trendingTop.map((c) => c.enrollmentCount).join(', ')} enrollments`;

    const a = activities;
    return {
      setup,
      results,
      comparisons,
      sections: [
        {
          title: 'Seed and fan-out throughput',
          lines: [
            `The seed went to Kafka as events (${formatNumber(p.users)} users, of which ${p.readers} registered readers; ` +
              `${formatNumber(p.activities)} activities) — see Setup for why. feeds-query's projection absorbed it at:`,
            '',
            '| Phase | events | produced in | absorbed in | events/s | feed rows written | feed rows/s | rows trimmed |',
            '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
            ...[
              ['follows (+ courses)', follows],
              ['activities', a],
            ].map(
              ([phase, x]) =>
                `| ${phase} | ${formatNumber(x.events)} | ${x.produceSec} s | ${x.absorbSec} s | ${formatNumber(x.eventsPerSec)} | ` +
                `${formatNumber(x.feedRowsInserted)} | ${formatNumber(x.feedRowsPerSec)} | ${formatNumber(x.feedRowsTrimmed)} |`,
            ),
            '',
            '"Absorbed in" runs from the first message produced to the projection position (projection_positions on ' +
              "feeds_read) reaching the topic's end on every partition; production and projection overlap. Feed rows " +
              'are pg_stat_user_tables counters of feed_items (inserts, and deletes by the 1000-row cap).',
            '',
            `Where the projector's time went in the activities phase (pg_stat_activity sampled every 100 ms, ` +
              `${a.projectorProfile.samples} samples, on average ${a.projectorProfile.busyConnectionsAvg} feeds-query ` +
              'connections busy; % of busy samples):',
            '',
            `- statements: ${a.projectorProfile.statements.map(([k, v]) => `${k} ${v} %`).join(', ')}`,
            `- waiting: ${a.projectorProfile.waits.map(([k, v]) => `${k} ${v} %`).join(', ')}`,
          ],
        },
      ],
      notes: [
        'The load generator, the gateway, feeds-query, Postgres and Kafka share this machine (see the CPU section).',
        `The seed is produced as events, not through the API: feeds-command's write path is measured by the feeds-command suite.`,
      ],
    };
  },
};
