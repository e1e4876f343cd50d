// Suite energy-query: `meter.consumption(DAY, 31 days)` through the gateway with a warm and a
// cold Redis cache, the same warm query straight to the energy-query subgraph, and the same
// SQL run directly on the read replica, so the report shows what each layer costs.
import Redis from 'ioredis';
import pg from 'pg';
import {
  gql,
  recordReadingsBody,
  registerMeter,
  signUp,
  userHeaders,
  waitForToken,
} from '../lib/graphql.mjs';
import { formatNumber, progress, runHttp, runLoop } from '../lib/runner.mjs';
import { withDatabase } from '../lib/targets.mjs';

const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
const SEED_DAYS = 35;
const RANGE_DAYS = 31;
const PAGE_SIZE = 100;

const CONSUMPTION_QUERY = `query Consumption($m: ID!, $from: DateTime!, $to: DateTime!) {
  meter(id: $m) {
    id
    consumption(from: $from, to: $to, granularity: DAY, first: ${PAGE_SIZE}) {
      totalKwh
      nodes { start end kwh readings }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** The two statements energy-query runs for a DAY page on a cache miss (consumption-reads.ts). */
const PAGE_SQL = `SELECT bucket_start AS start, bucket_end AS "end", wh, readings FROM consumption_daily
  WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4`;
const TOTAL_SQL =
  'SELECT sum(wh)::text AS wh FROM consumption_daily WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3';

/** Registers a meter and records SEED_DAYS of 15-minute readings, 1000 per call. */
export async function seed(url, accessToken, serial) {
  const meter = await registerMeter(url, accessToken, serial);
  const end = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
  const count = SEED_DAYS * (DAY_MS / INTERVAL_MS);
  const readings = Array.from({ length: count }, (_, i) => ({
    at: new Date(end - (count - 1 - i) * INTERVAL_MS).toISOString(),
    kwh: (50 + ((i * 37) % 450)) / 1000,
  }));
  let token = meter.consistencyToken;
  let accepted = 0;
  for (let i = 0; i < readings.length; i += 1000) {
    const data = await gql(url, {
      body: recordReadingsBody(meter.id, readings.slice(i, i + 1000)),
      token: accessToken,
    });
    accepted += data.recordReadings.accepted;
    token = data.recordReadings.consistencyToken;
  }
  const started = Date.now();
  await waitForToken(url, accessToken, meter.id, token);
  return { meterId: meter.id, readings: count, accepted, end, projectionWaitMs: Date.now() - started };
}

/**
 * A consumption request for a seeded meter's last RANGE_DAYS whole UTC days, with `from` moved
 * `shiftMs` later: the service rounds `from` to the start of its day, so the page is the same but
 * the cache key is new (used for distinct requests by the gateway-engines suite).
 */
export function consumptionBody(seeded, shiftMs = 0) {
  const to = new Date(Math.floor(seeded.end / DAY_MS) * DAY_MS);
  const from = new Date(to.getTime() - RANGE_DAYS * DAY_MS + shiftMs);
  return JSON.stringify({
    query: CONSUMPTION_QUERY,
    variables: { m: seeded.meterId, from: from.toISOString(), to: to.toISOString() },
  });
}

export default {
  name: 'energy-query',
  async run({ targets, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    const token = await signUp(targets.gateway, runId);
    progress(`energy-query: seeding a meter with ${SEED_DAYS} days of 15-minute readings`);
    const seeded = await seed(targets.gateway, token, `perf-${runId}-consumption`);
    const to = new Date(Math.floor(seeded.end / DAY_MS) * DAY_MS);
    const from = new Date(to.getTime() - RANGE_DAYS * DAY_MS);
    const variables = { m: seeded.meterId, from: from.toISOString(), to: to.toISOString() };
    const body = JSON.stringify({ query: CONSUMPTION_QUERY, variables });
    const check = await gql(targets.gateway, { body, token });
    const page = check.meter.consumption;
    if (page.nodes.length < RANGE_DAYS - 1 || !(page.totalKwh > 0)) {
      throw new Error(`the seeded meter answers an unexpected page: ${JSON.stringify(page).slice(0, 300)}`);
    }
    const setup = {
      meterId: seeded.meterId,
      readingsSeeded: seeded.readings,
      readingsAccepted: seeded.accepted,
      projectionWaitMs: seeded.projectionWaitMs,
      query: { granularity: 'DAY', from: variables.from, to: variables.to, first: PAGE_SIZE },
      page: {
        nodes: page.nodes.length,
        totalKwh: page.totalKwh,
        responseBytes: JSON.stringify(check).length,
      },
    };
    const headers = userHeaders(token);
    const common = { connections, warmupSec, durationSec, headers };
    const results = [];

    results.push(
      await runHttp({
        ...common,
        name: 'gateway.typename-floor',
        description:
          'The gateway alone: `{ __typename }` is answered by the gateway without calling a subgraph, so this ' +
          "is the ceiling of the gateway's own HTTP + GraphQL pipeline on this machine.",
        url: targets.gateway,
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
    );

    results.push(
      await runHttp({
        ...common,
        name: 'energy-query.consumption-warm',
        description:
          `meter(id).consumption(DAY, ${RANGE_DAYS} days, first ${PAGE_SIZE}) through the gateway, the same request ` +
          'every time, so energy-query answers from Redis (it still looks the meter up on the replica per request).',
        url: targets.gateway,
        body,
      }),
    );

    results.push(
      await runHttp({
        ...common,
        name: 'energy-query.consumption-warm-subgraph',
        description:
          'The same warm request sent straight to the energy-query subgraph, bypassing the gateway: ' +
          'the difference to consumption-warm is the gateway hop (query planning, forwarding, re-serialising).',
        url: targets.energyQuery,
        body,
      }),
    );

    // Cold: every request carries a `from` a few milliseconds later than the one before. The
    // service moves `from` back to the start of its day, so the SQL and the page are the same,
    // but the cache key (granularity|from|to|first|after) is new: every request misses Redis,
    // runs the meter lookup, the version check and the two consumption_daily statements on the
    // replica, and writes its page to Redis. Postgres' own buffers stay warm.
    const redis = new Redis(targets.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const entriesKey = `energy:consumption:{${seeded.meterId}}:entries`;
    let coldCount = 0;
    const nextBody = () => {
      coldCount += 1;
      const shifted = new Date(from.getTime() + coldCount).toISOString();
      return JSON.stringify({ query: CONSUMPTION_QUERY, variables: { ...variables, from: shifted } });
    };
    let cacheEntries = null;
    try {
      await redis.connect();
    } catch (error) {
      progress(
        `energy-query: cannot reach Redis at ${targets.redis} (${error.message}); cold run not verified`,
      );
    }
    const cold = await runHttp({
      ...common,
      name: 'energy-query.consumption-cold',
      description:
        'The warm request with `from` shifted by 1 ms more on every request: the service rounds `from` to the ' +
        'start of its day, so the work is the same, but each request has a new cache key and misses Redis ' +
        '(meter lookup, version check and the two consumption_daily statements on the replica, then a Redis ' +
        'write). "Cold" means a cold Redis cache only: the Postgres buffer cache stays warm.',
      url: targets.gateway,
      nextBody,
    });
    if (redis.status === 'ready') {
      cacheEntries = await redis.hlen(entriesKey);
      // The run left one Redis entry per request; drop them now rather than wait for the TTL.
      await redis.del(entriesKey);
      redis.disconnect();
    }
    cold.metrics.cacheEntriesWritten = cacheEntries;
    cold.summary =
      cacheEntries === null
        ? 'cache misses not verified'
        : `${formatNumber(cacheEntries)} distinct cache entries for ${formatNumber(coldCount)} distinct requests sent (warm-up included)`;
    results.push(cold);

    const replicaUrl = withDatabase(targets.replicaServer, 'energy_read');
    const clients = [];
    const closeClients = onCleanup(() => Promise.all(clients.map((c) => c.end().catch(() => undefined))));
    for (let i = 0; i < connections; i += 1) {
      const client = new pg.Client({ connectionString: replicaUrl, application_name: 'perf-harness' });
      await client.connect();
      clients.push(client);
    }
    const params = [seeded.meterId, from, to];
    try {
      results.push(
        await runLoop({
          name: 'replica.consumption-daily-sql',
          description:
            `The two consumption_daily statements energy-query runs for this page on a cache miss (page with ` +
            `LIMIT ${PAGE_SIZE + 1}, then the range total), sent with plain \`pg\` straight to the read replica, one ` +
            `client per worker, ${connections} workers. No GraphQL, no HTTP, no cache.`,
          concurrency: connections,
          warmupSec,
          durationSec,
          op: async (worker) => {
            const client = clients[worker];
            await client.query(PAGE_SQL, [...params, PAGE_SIZE + 1]);
            await client.query(TOTAL_SQL, params);
          },
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      closeClients();
    }

    const by = Object.fromEntries(results.map((r) => [r.scenario, r]));
    const direct = by['replica.consumption-daily-sql'];
    const ratio = (a, b) => (a && b && a.rps > 0 ? Math.round((b.rps / a.rps) * 100) / 100 : null);
    const comparisons = [];
    for (const name of ['energy-query.consumption-warm', 'energy-query.consumption-cold']) {
      const value = ratio(by[name], direct);
      if (value === null) continue;
      by[name].metrics.directSqlRatio = value;
      comparisons.push({
        a: name,
        b: direct.scenario,
        ratio: value,
        text:
          `${name}: ${formatNumber(by[name].rps)} req/s vs direct SQL ${formatNumber(direct.rps)} rounds/s: ` +
          `direct SQL is ${value}× the gateway's throughput (p99 ${by[name].latencyMs.p99} ms vs ${direct.latencyMs.p99} ms).`,
      });
      by[name].summary = [by[name].summary, `direct SQL does ${value}× this rate`].filter(Boolean).join('; ');
    }
    const hop = ratio(by['energy-query.consumption-warm'], by['energy-query.consumption-warm-subgraph']);
    if (hop !== null) {
      by['energy-query.consumption-warm-subgraph'].summary = `${hop}× the rate through the gateway`;
      comparisons.push({
        a: 'energy-query.consumption-warm',
        b: 'energy-query.consumption-warm-subgraph',
        ratio: hop,
        text:
          `Gateway hop: the subgraph alone serves ${formatNumber(by['energy-query.consumption-warm-subgraph'].rps)} req/s, ` +
          `${hop}× the ${formatNumber(by['energy-query.consumption-warm'].rps)} req/s through the gateway.`,
      });
    }
    direct.summary = 'baseline for the ratios';
    return {
      setup,
      results,
      comparisons,
      notes: [
        'All processes share the machine with the load generator (autocannon runs in this process), so ' +
          'throughput here is bounded by total CPU, not by one service alone; see the CPU section.',
      ],
    };
  },
};
