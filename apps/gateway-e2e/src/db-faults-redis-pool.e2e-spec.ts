import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { Client } from 'pg';
import { databaseUrl, dataOf, graphql, GraphQLResponse } from '@voltstream/testing';
import {
  ConsumptionResult,
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  settings,
  totalWh,
} from './energy-api';
import { startGateway } from './gateway-process';
import { startService } from './service-process';

/** A Redis in front of the real one whose every answer arrives `delayMs` late (F15). */
async function slowRedis(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(settings.redisUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const redis = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client).add(redis);
    client.pipe(redis);
    // Timers of one delay fire in the order they were set: the reply stream keeps its order.
    redis.on('data', (chunk) => setTimeout(() => client.writable && client.write(chunk), delayMs));
    const end = () => {
      client.destroy();
      redis.destroy();
    };
    client.on('error', end).on('close', end);
    redis.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const CONSUMPTION = `
  query ($id: ID!, $from: DateTime!, $to: DateTime!) {
    meter(id: $id) { id consumption(from: $from, to: $to, granularity: INTERVAL) { totalKwh } }
  }
`;

/** A meter with a day of readings that the stack's read model already shows. */
async function projectedMeter(
  firstDay: string,
): Promise<{ token: string; meterId: string; wh: number; range: { from: string; to: string } }> {
  const token = await newUser();
  const meter = await registerMeter(token);
  const readings = quarterHourReadings(firstDay, 96, 11);
  const receipt = dataOf(await recordReadings(token, meter.id, readings)).recordReadings;
  const range = { from: firstDay, to: new Date(Date.parse(firstDay) + 86_400_000 + 1).toISOString() };
  dataOf(
    await readConsumption(token, meter.id, {
      ...range,
      granularity: 'INTERVAL',
      consistency: receipt.consistencyToken,
    }),
  );
  return { token, meterId: meter.id, wh: totalWh(readings), range };
}

/**
 * The extra energy-query consumes in a group of its own, from the newest offset on: nothing is
 * recorded while it runs, so it projects nothing and the stack's projector is not rebalanced.
 */
const ownGroup = () => ({
  ENERGY_PROJECTION_GROUP: `energy-query.fault-test-${randomBytes(4).toString('hex')}`,
});
const unlimited = { RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_IP: '100000' };

async function cacheDetails(baseUrl: string): Promise<{ redis?: string; hitRatio?: number }> {
  const body = (await (await fetch(`${baseUrl}/health/ready`)).json()) as {
    details: Record<string, { redis?: string; hitRatio?: number }>;
  };
  return body.details['cache'] ?? {};
}

describe('Redis and pool faults', () => {
  it('F15: Redis answering 2 s late: the command timeout trips and every answer comes, correct, from the database', async (t) => {
    const { token, meterId, wh, range } = await projectedMeter('2026-07-01T00:00:00Z');
    const proxy = await slowRedis(2000);
    const query = await startService('energy-query', { ...ownGroup(), REDIS_URL: proxy.url }).catch(
      async (error: unknown) => {
        await proxy.close();
        throw error;
      },
    );
    try {
      const gateway = await startGateway({ ...unlimited, ENERGY_QUERY_URL: query.graphqlUrl });
      try {
        // Time for a client that waits out the slow Redis to get through its handshake (two
        // round trips); ours gives each command REDIS_COMMAND_TIMEOUT_MS, its ready check too.
        await new Promise((resolve) => setTimeout(resolve, 6000));
        const took: number[] = [];
        // The same query again and again: with a Redis that answers at all, the repeats are hits.
        for (let i = 0; i < 10; i += 1) {
          const startedAt = Date.now();
          const response = await graphql<ConsumptionResult>(
            gateway.url,
            CONSUMPTION,
            { id: meterId, ...range },
            { token },
          );
          took.push(Date.now() - startedAt);
          assert.equal(Math.round(dataOf(response).meter.consumption.totalKwh * 1000), wh);
        }
        t.diagnostic(`read latencies with Redis 2 s late: ${took.join(', ')} ms`);
        const cache = await cacheDetails(query.baseUrl);
        t.diagnostic(`the extra energy-query's Redis connection: ${cache.redis}`);
        assert.equal(cache.hitRatio, 0, 'no answer waited for Redis: every lookup fell back to the database');
        assert.equal(
          (await fetch(`${query.baseUrl}/health/ready`)).status,
          200,
          'a slow cache keeps reads in rotation',
        );
      } finally {
        await gateway.stop();
      }
    } finally {
      await query.stop();
      await proxy.close();
    }
  });

  it('L4: more concurrent reads than a two-connection pool: each is answered or refused with SERVICE_UNAVAILABLE, and the service recovers', async (t) => {
    const { token, meterId, wh, range } = await projectedMeter('2026-07-05T00:00:00Z');
    const query = await startService('energy-query', {
      ...ownGroup(),
      DATABASE_POOL_SIZE: '2',
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      // Reads on the read primary, where the test's lock holds them (a standby learns of it late).
      READ_REPLICA_URLS: settings.databaseUrl,
    });
    const locker = new Client({ connectionString: databaseUrl(settings.databaseUrl, 'energy_read') });
    try {
      const gateway = await startGateway({ ...unlimited, ENERGY_QUERY_URL: query.graphqlUrl });
      try {
        // Each read its own page (`to` a few ms later, the same buckets): none is answered from
        // the consumption cache or shares another's subgraph call, so every one needs the pool.
        let distinct = 0;
        const read = () => {
          const to = new Date(Date.parse(range.to) + (distinct += 1)).toISOString();
          return graphql<ConsumptionResult>(
            gateway.url,
            CONSUMPTION,
            { id: meterId, ...range, to },
            { token },
          );
        };
        await locker.connect();
        // The pool's connections block behind this lock for 6 s,
        // while 30 more reads queue for it.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE meters IN ACCESS EXCLUSIVE MODE');
        const reads: Promise<GraphQLResponse<ConsumptionResult>>[] = [];
        for (let i = 0; i < 30; i += 1) reads.push(read());
        await new Promise((resolve) => setTimeout(resolve, 6000));
        await locker.query('COMMIT');
        const responses = await Promise.all(reads);
        const refused = responses.filter((r) => r.errors.length > 0);
        for (const response of responses) {
          if (response.errors.length === 0) {
            assert.equal(Math.round(response.data!.meter.consumption.totalKwh * 1000), wh);
            continue;
          }
          assert.equal(response.data?.meter ?? null, null);
          assert.deepEqual(
            response.errors.map((e) => e.extensions),
            [{ code: 'SERVICE_UNAVAILABLE', retryable: true }],
          );
          assert.doesNotMatch(JSON.stringify(response.errors), /timeout exceeded|at .*\.js|pool/i);
        }
        t.diagnostic(`${responses.length - refused.length} answered, ${refused.length} refused`);
        assert.ok(refused.length > 0, 'the reads past the pool were refused, not queued forever');
        // The pool recovers: the same reads now succeed, and the service is ready.
        for (let i = 0; i < 5; i += 1)
          assert.equal(Math.round(dataOf(await read()).meter.consumption.totalKwh * 1000), wh);
        assert.equal((await fetch(`${query.baseUrl}/health/ready`)).status, 200);
      } finally {
        await gateway.stop();
      }
    } finally {
      await locker.end().catch(() => undefined);
      await query.stop();
    }
  });
});
