// Shared by the feeds suites (feeds-query/feed.mjs, feeds-command/fanout.mjs): where feeds-query
// and Kafka are, a check that the running stack serves the feeds API, real users through the
// gateway, feeds events produced straight to Kafka, waiting for feeds-query's projection, and an
// autocannon run whose requests each carry their own user's token.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from '../lib/cpu.mjs';
import { gql } from '../lib/graphql.mjs';
import { repoRoot } from '../lib/paths.mjs';
import {
  errorTally,
  latencyStats,
  progress,
  runHttp,
  sampleError,
  tallyResponse,
  warmUp,
} from '../lib/runner.mjs';
import { requireLoopback, withDatabase } from '../lib/targets.mjs';

// ---- the contract, as libs/contracts/src/feeds/feeds-events.ts and envelope.ts define it -------

export const FEEDS_TOPIC = 'feeds.events';
/** feeds-query's projection (FeedsProjection.name): its row in projection_positions. */
export const FEEDS_PROJECTION = 'feeds-read-model';
export const EventTypes = {
  CoursePublished: 'feeds.CoursePublished',
  Enrolled: 'feeds.Enrolled',
  Followed: 'feeds.Followed',
  UpdatePosted: 'feeds.UpdatePosted',
};
export const Aggregates = {
  course: 'Course',
  /** `<userId>:<courseId>` */
  enrollment: 'Enrollment',
  /** the follower's user id */
  userFollows: 'UserFollows',
  /** the user id */
  userActivity: 'UserActivity',
};

/**
 * A Kafka message as feeds-command's outbox relay publishes it (libs/platform EventPublisher):
 * key = aggregate id, value = the JSON envelope.
 */
export function eventMessage({ type, aggregateType, aggregateId, version, occurredAt, actorId, payload }) {
  const envelope = {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    aggregateType,
    aggregateId,
    aggregateVersion: version,
    occurredAt,
    correlationId: null,
    causationId: null,
    actorId: actorId ?? null,
    payload,
  };
  return { key: aggregateId, value: JSON.stringify(envelope) };
}

export const followedMessage = (followerId, followeeId, version, at) =>
  eventMessage({
    type: EventTypes.Followed,
    aggregateType: Aggregates.userFollows,
    aggregateId: followerId,
    version,
    occurredAt: at,
    actorId: followerId,
    payload: { followerId, followeeId, followedAt: at },
  });

export const postedMessage = (userId, version, at, text) =>
  eventMessage({
    type: EventTypes.UpdatePosted,
    aggregateType: Aggregates.userActivity,
    aggregateId: userId,
    version,
    occurredAt: at,
    actorId: userId,
    payload: { postId: randomUUID(), userId, text, postedAt: at },
  });

export const enrolledMessage = (userId, courseId, totalLessons, at) =>
  eventMessage({
    type: EventTypes.Enrolled,
    aggregateType: Aggregates.enrollment,
    aggregateId: `${userId}:${courseId}`,
    version: 1,
    occurredAt: at,
    actorId: userId,
    payload: { courseId, userId, totalLessons, enrolledAt: at },
  });

export function coursePublishedMessage(courseId, authorId, title, lessons, at) {
  return eventMessage({
    type: EventTypes.CoursePublished,
    aggregateType: Aggregates.course,
    aggregateId: courseId,
    version: 1,
    occurredAt: at,
    actorId: authorId,
    payload: {
      courseId,
      authorId,
      title,
      summary: `${title}: a course seeded by the perf harness.`,
      tags: ['perf'],
      lessons: Array.from({ length: lessons }, (_, i) => ({
        lessonId: randomUUID(),
        title: `Lesson ${i + 1}`,
        position: i + 1,
        durationMinutes: 10,
      })),
      publishedAt: at,
    },
  });
}

// ---- targets ---------------------------------------------------------------------------------

/** Kafka brokers as the services get them: KAFKA_BROKERS, else the infra profile's port. */
async function kafkaBrokers() {
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    try {
      const infra = await import(join(repoRoot, 'infra/local/infra.mjs'));
      brokers = infra.env().KAFKA_BROKERS;
    } catch {
      brokers = '127.0.0.1:19092';
    }
  }
  const list = brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const broker of list) requireLoopback(`kafka://${broker}`, 'KAFKA_BROKERS');
  return list;
}

/** feeds-query's subgraph (FEEDS_QUERY_URL), its databases and the Kafka brokers. */
export async function feedsTargets(targets) {
  const feedsQuery = process.env.FEEDS_QUERY_URL || 'http://127.0.0.1:4302/graphql';
  requireLoopback(feedsQuery, 'FEEDS_QUERY_URL');
  return {
    feedsQuery,
    feedsReadPrimary: withDatabase(targets.primaryServer, 'feeds_read'),
    feedsReadReplica: withDatabase(targets.replicaServer, 'feeds_read'),
    kafkaBrokers: await kafkaBrokers(),
  };
}

/**
 * Fails with instructions when the gateway has no feeds API or feeds-query serves no GraphQL
 * (a stack started before the feeds services were built: they answer /health but 404 on /graphql).
 */
export async function checkFeedsStack(gateway, feedsQuery, token) {
  const hint =
    '  Restart the stack from a current build (`npm run build`, `npm run stop`, `npm start`), or run the ' +
    'suite against feeds services of its own:\n' +
    '    node perf/feeds-query/feeds-services.mjs &   # prints GATEWAY_URL=… FEEDS_QUERY_URL=…\n' +
    '    GATEWAY_URL=… FEEDS_QUERY_URL=… npm run perf -- --suite feeds-query';
  // With a token, so that a working feeds-query does not log a refused anonymous request.
  const probe = await fetch(gateway, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: '{ feed(first: 1) { nodes { id } } }' }),
    signal: AbortSignal.timeout(5000),
  })
    .then((r) => r.text())
    .catch((error) => `request failed: ${error.message}`);
  if (/Cannot query field|GRAPHQL_VALIDATION_FAILED|request failed/.test(probe)) {
    throw new Error(`the gateway at ${gateway} has no \`feed\` query (${probe.slice(0, 160)}).\n${hint}`);
  }
  const direct = await fetch(feedsQuery, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(5000),
  })
    .then(async (r) => ({ status: r.status, text: await r.text() }))
    .catch((error) => ({ status: 0, text: error.message }));
  if (direct.status !== 200 || !direct.text.includes('"Query"')) {
    throw new Error(
      `feeds-query at ${feedsQuery} serves no GraphQL (HTTP ${direct.status}: ${direct.text.slice(0, 120)}).\n${hint}`,
    );
  }
}

// ---- users -----------------------------------------------------------------------------------

const REGISTER = 'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }';
const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';

/** Registers a user of the run through the gateway (identity hashes with scrypt: ~150 ms each). */
export async function registerUser(url, runId, label) {
  const email = `perf-${runId}-${label}-${randomBytes(3).toString('hex')}@example.com`;
  const password = `perf-${runId}-passphrase`;
  const data = await gql(url, {
    query: REGISTER,
    variables: { input: { email, password, displayName: `Perf ${label}` } },
  });
  return { id: data.register.user.id, token: data.register.accessToken, email, password, label };
}

/** A fresh access token (they live 15 minutes; a full seed can take longer). */
export async function refreshToken(url, user) {
  const data = await gql(url, { query: LOGIN, variables: { e: user.email, p: user.password } });
  user.token = data.login.accessToken;
  return user;
}

// ---- Kafka -----------------------------------------------------------------------------------

/** A plain producer (batches sent one after another, so each key keeps its order) and an admin. */
export class FeedsKafka {
  constructor(brokers) {
    this.kafka = new Kafka({ clientId: 'perf-harness', brokers, logLevel: logLevel.ERROR });
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.sent = 0;
  }

  async connect() {
    await this.admin.connect();
    const topics = await this.admin.listTopics();
    if (!topics.includes(FEEDS_TOPIC)) {
      throw new Error(
        `Kafka has no topic ${FEEDS_TOPIC}: feeds-query creates it when it starts; is it running from a current build?`,
      );
    }
    await this.producer.connect();
  }

  /** Sends messages in batches of `batchSize`, one batch in flight. */
  async send(messages, batchSize = 2000) {
    for (let i = 0; i < messages.length; i += batchSize) {
      await this.producer.send({ topic: FEEDS_TOPIC, acks: -1, messages: messages.slice(i, i + batchSize) });
      this.sent += Math.min(batchSize, messages.length - i);
    }
  }

  /** `Map(partition → high watermark)`: the offset the projection must reach. */
  async endOffsets() {
    const offsets = await this.admin.fetchTopicOffsets(FEEDS_TOPIC);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  }

  async disconnect() {
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

// ---- the projection --------------------------------------------------------------------------

/** `Map(partition → next offset)` feeds-query's projection has committed (in its own database). */
export async function projectedOffsets(client) {
  const { rows } = await client.query(
    `SELECT partition, next_offset::text AS next FROM projection_positions WHERE projection = $1 AND topic = $2`,
    [FEEDS_PROJECTION, FEEDS_TOPIC],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next)]));
}

/** Messages the projection still has to apply to reach `end`. */
export function remaining(end, projected) {
  let left = 0n;
  for (const [partition, high] of end) {
    const at = projected.get(partition) ?? 0n;
    if (high > at) left += high - at;
  }
  return Number(left);
}

/** Cumulative row counters of the read model's tables (pg_stat_user_tables on the primary). */
export async function tableCounters(client) {
  const { rows } = await client.query(
    `SELECT relname, n_tup_ins::bigint::text AS ins, n_tup_del::bigint::text AS del FROM pg_stat_user_tables
     WHERE relname IN ('activities', 'feed_items', 'follows', 'enrollments', 'course_trend')`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, { ins: Number(r.ins), del: Number(r.del) }]));
}

/**
 * Waits until the projection has applied everything up to `end` (per partition), printing
 * progress every `everyMs`. Fails when nothing moves for `stallMs`. Returns when it got there.
 */
export async function waitForProjection(client, end, { label, total, everyMs = 5000, stallMs = 180_000 }) {
  const started = Date.now();
  let lastLeft = null;
  let lastMove = Date.now();
  let lastPrint = 0;
  for (;;) {
    const left = remaining(end, await projectedOffsets(client));
    if (left === 0) return Date.now();
    if (lastLeft === null || left < lastLeft) {
      lastMove = Date.now();
      lastLeft = left;
    }
    if (Date.now() - lastMove > stallMs) {
      throw new Error(
        `${label}: feeds-query's projection made no progress for ${stallMs / 1000} s with ${left} events left; is feeds-query consuming ${FEEDS_TOPIC}?`,
      );
    }
    if (Date.now() - lastPrint >= everyMs) {
      lastPrint = Date.now();
      const done = total ? ` (${Math.round(((total - left) / total) * 100)} %)` : '';
      progress(
        `${label}: ${left.toLocaleString('en-US')} events left to project${done}, ${Math.round((Date.now() - started) / 1000)} s`,
      );
    }
    await sleep(250);
  }
}

/** The projection's statements, recognised by their text (apps/feeds-query/src/projection/*.ts). */
const STATEMENTS = [
  [/pg_advisory_xact_lock/, 'lockUsers (advisory locks)'],
  [/INSERT INTO feed_items[\s\S]*FROM recipient|WITH fresh AS/, 'fanOut (feed_items insert)'],
  [/WITH dropped AS/, 'trimFeeds (cap 1000)'],
  [/INSERT INTO feed_sizes/, 'feed sizes'],
  [/WITH gone AS/, 'applyFollows (unfollow removes rows)'],
  [/INSERT INTO activities/, 'insertActivities'],
  [/WITH edge AS/, 'applyFollows backfill'],
  [/follows/, 'applyFollows (edges)'],
  [/follow_counts/, 'follow counts'],
  [/course_trend/, 'addTrendSignals'],
  [/enrollments|course_stats/, 'enrollments'],
  [/courses|lessons/, 'courses'],
  [/aggregate_versions/, 'versions'],
  [/projection_positions/, 'projection position'],
  [/^\s*(COMMIT|BEGIN|START)/i, 'commit'],
];
const classify = (query) =>
  STATEMENTS.find(([pattern]) => pattern.test(query))?.[1] ?? query.replace(/\s+/g, ' ').slice(0, 60);

/**
 * A poor man's profile of the projection: samples pg_stat_activity on the primary every
 * `intervalMs` for feeds-query's projector connections (application_name feeds-query:primary)
 * and tallies what each active one was running, and what it waited for.
 */
export class StatementSampler {
  constructor(connectionString, applicationName = 'feeds-query:primary') {
    this.client = new pg.Client({ connectionString, application_name: 'perf-harness-sampler' });
    this.applicationName = applicationName;
    this.samples = 0;
    this.busy = 0;
    this.byStatement = new Map();
    this.byWait = new Map();
  }

  async start(intervalMs = 100) {
    await this.client.connect();
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const { rows } = await this.client.query(
          `SELECT state, query, wait_event_type, wait_event FROM pg_stat_activity
           WHERE application_name = $1 AND state IN ('active', 'idle in transaction')`,
          [this.applicationName],
        );
        this.samples += 1;
        for (const row of rows) {
          this.busy += 1;
          const idle = row.state !== 'active';
          const statement = idle
            ? 'between statements (in transaction: feeds-query itself)'
            : classify(row.query);
          this.byStatement.set(statement, (this.byStatement.get(statement) ?? 0) + 1);
          const wait = idle
            ? 'idle in transaction'
            : row.wait_event_type
              ? `${row.wait_event_type}:${row.wait_event}`
              : 'running';
          this.byWait.set(wait, (this.byWait.get(wait) ?? 0) + 1);
        }
        await sleep(intervalMs);
      }
    })().catch(() => undefined);
  }

  /** `{ samples, busyConnectionsAvg, statements: [[name, % of busy samples]], waits: [...] }` */
  async stop() {
    this.running = false;
    await this.loop;
    await this.client.end().catch(() => undefined);
    const share = (map) =>
      [...map.entries()]
        .map(([key, n]) => [key, Math.round((n / Math.max(1, this.busy)) * 1000) / 10])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10);
    return {
      samples: this.samples,
      busyConnectionsAvg: Math.round((this.busy / Math.max(1, this.samples)) * 100) / 100,
      statements: share(this.byStatement),
      waits: share(this.byWait),
    };
  }
}

/** Waits until the replica's projection position matches the primary's (reads go to the replica). */
export async function waitForReplica(primary, replica, timeoutMs = 120_000) {
  const started = Date.now();
  const want = await projectedOffsets(primary);
  for (;;) {
    const have = await projectedOffsets(replica);
    if (remaining(want, have) === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error('the replica did not catch up with feeds_read');
    await sleep(100);
  }
}

// ---- load with a token per request -----------------------------------------------------------

/**
 * lib/runner.mjs runHttp for a scenario whose requests are built by `next(context)` →
 * `{ token, body }`: requests can rotate over users (round robin) or stay with one user per
 * connection. The result has runHttp's shape.
 */
export function runHttpAs(scenario) {
  return runHttp(asUsers(scenario));
}

/** lib/runner.mjs warmUp for such a scenario: load whose numbers are discarded. */
export function warmUpAs(scenario, seconds) {
  return warmUp(asUsers(scenario), seconds);
}

const asUsers = (scenario) => ({ headers: { 'content-type': 'application/json' }, ...scenario });

/**
 * Open loop: one request every 1/`rps` s, sent when its time comes whether or not earlier ones
 * have answered, each timed from when it was due (so a stall shows in every request it delays).
 * autocannon's own rate limit releases each second's requests together, which measures a queue.
 * `next()` → `{ token, body }` as for runHttpAs; the result has runHttp's shape.
 */
export async function runHttpPaced(scenario) {
  const { name, warmupSec, durationSec, rps } = scenario;
  const agent = new Agent({ keepAlive: true });
  try {
    if (warmupSec > 0) {
      progress(`${name}: warm-up ${warmupSec} s at ${rps} req/s`);
      await paced(scenario, agent, warmupSec, null);
    }
    progress(`${name}: measuring ${durationSec} s at ${rps} req/s offered`);
    const latencies = [];
    const errors = errorTally();
    const cpu = new CpuSampler();
    cpu.start();
    const { completed, seconds, bytes } = await paced(scenario, agent, durationSec, { latencies, errors });
    const cpuUsage = cpu.stop();
    errors.total = errors.non2xx + errors.graphql + errors.transport;
    return {
      scenario: name,
      description: scenario.description,
      kind: 'http',
      url: scenario.url,
      connections: null,
      offeredRps: rps,
      durationSec: seconds,
      requests: completed,
      rps: Math.round((completed / seconds) * 10) / 10,
      latencyMs: latencyStats(latencies),
      errors,
      metrics: {},
      bytesReceived: bytes,
      cpu: cpuUsage,
    };
  } finally {
    agent.destroy();
  }
}

async function paced(scenario, agent, durationSec, record) {
  const url = new URL(scenario.url);
  const intervalMs = 1000 / scenario.rps;
  const total = Math.round(durationSec * scenario.rps);
  const started = performance.now();
  const inFlight = [];
  let completed = 0;
  let bytes = 0;
  for (let i = 0; i < total; i += 1) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const { token, body } = scenario.next();
    inFlight.push(
      postJson(url, agent, token, body).then(
        ({ status, text }) => {
          completed += 1;
          bytes += Buffer.byteLength(text);
          if (!record) return;
          record.latencies.push(performance.now() - due);
          tallyResponse(record.errors, status, text);
        },
        (error) => {
          if (!record) return;
          record.errors.transport += 1;
          sampleError(record.errors, `request error: ${error.message}`);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { completed, seconds: (performance.now() - started) / 1000, bytes };
}

function postJson(url, agent, token, body) {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        timeout: 10_000,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    call.on('timeout', () => call.destroy(new Error('timed out after 10 s')));
    call.on('error', reject);
    call.end(body);
  });
}

/** Fisher–Yates on a copy; `random` is a () => [0, 1) source. */
export function sample(list, count, random = Math.random) {
  const copy = [...list];
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i += 1) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

/** A small deterministic PRNG (mulberry32), so a seed's shape is the same on every run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
