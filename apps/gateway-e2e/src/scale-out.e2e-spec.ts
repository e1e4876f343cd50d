import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dataOf, eventually, graphql } from '@voltstream/testing';
import { newUser, registerMeter, settings } from './energy-api';
import { ExtraGateway, startGateway } from './gateway-process';
import { metricValues } from './service-metrics';
import { ServiceInstance, startService } from './service-process';

/**
 * Issue #15 point 3: a query service runs as several instances behind one gateway, which spreads
 * its calls over them (ENERGY_QUERY_URL lists both) and stops calling one whose readiness is red.
 */

const unlimited = { RATE_LIMIT_PER_USER: '1000000', RATE_LIMIT_PER_IP: '1000000' };
/** Well under the instances' drain (SHUTDOWN_DRAIN_MS), as in production (1 s against 2-5 s). */
const HEALTH_INTERVAL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GraphQL requests an energy-query instance has answered (its /metrics), whatever their status. */
async function graphqlServed(baseUrl: string): Promise<number> {
  const counts = await metricValues(baseUrl, /^http_request_duration_seconds_count\{.*route="\/graphql"/);
  return counts.reduce((sum, count) => sum + count, 0);
}

/** The gateway's view of energy-query's instances (its readiness details). */
async function instancesSeenBy(gateway: ExtraGateway): Promise<{ ready: string[]; notReady: string[] }> {
  const response = await fetch(gateway.url.replace(/\/graphql$/, '/health/ready'));
  const body = (await response.json()) as {
    details: Record<string, Record<string, { ready: string[]; notReady: string[] }>>;
  };
  const state = body.details['subgraph-instances']?.['energy-query'];
  if (!state) throw new Error(`the gateway lists no energy-query instances: ${JSON.stringify(body)}`);
  return state;
}

describe('a query service scaled out behind the gateway', () => {
  let token: string;
  let meterId: string;
  let second: ServiceInstance & { graphqlUrl: string };
  let gateway: ExtraGateway;
  const first = settings.serviceBaseUrl('energy-query');

  /** One read of the meter through the scaled gateway: every one needs energy-query. */
  const readMeter = async (consistency?: string) =>
    graphql<{ meter: { id: string } | null }>(
      gateway.url,
      'query ($id: ID!, $consistency: String) { meter(id: $id, consistency: $consistency) { id } }',
      { id: meterId, consistency },
      { token },
    );

  before(async () => {
    token = await newUser();
    const meter = await registerMeter(token);
    meterId = meter.id;
    // Longer than the gateway takes to see readiness turn red (a few HEALTH_INTERVAL_MS).
    second = await startService('energy-query', { SHUTDOWN_DRAIN_MS: '3000' });
    gateway = await startGateway({
      ...unlimited,
      ENERGY_QUERY_URL: `${first}/graphql,${second.graphqlUrl}`,
      SUBGRAPH_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
      // Every call is its own, so each counts on the instance it went to.
      SHARE_IN_FLIGHT_QUERIES: 'off',
      // A call sent to a stopped instance fails in seconds instead of 30.
      REQUEST_TIMEOUT_MS: '3000',
    });
    dataOf(await readMeter(meter.consistencyToken));
  });

  after(async () => {
    await gateway?.stop();
    await second?.stop();
  });

  it('spreads queries over both instances', async () => {
    const before = await Promise.all([graphqlServed(first), graphqlServed(second.baseUrl)]);
    for (let i = 0; i < 20; i += 1) assert.equal(dataOf(await readMeter()).meter?.id, meterId);
    const after = await Promise.all([graphqlServed(first), graphqlServed(second.baseUrl)]);
    const served = after.map((count, i) => count - before[i]);
    assert.ok(
      served.every((count) => count > 0),
      `each instance should have served some of the 20 queries; served ${served.join(' and ')}`,
    );
  });

  it('sends no query to an instance whose readiness is red', async () => {
    const servedBefore = await graphqlServed(second.baseUrl);
    // A stopped process answers no probe: red, like a hung one.
    second.signal('SIGSTOP');
    try {
      await eventually(
        async () =>
          (await instancesSeenBy(gateway)).notReady.includes(second.graphqlUrl) ? true : undefined,
        30_000,
        'the gateway to see the stopped instance as not ready',
      );
      const answers = await Promise.all(Array.from({ length: 10 }, () => readMeter()));
      const failed = answers.filter((answer) => answer.errors?.length || answer.data?.meter?.id !== meterId);
      assert.deepEqual(failed, [], 'every query answered by the ready instance');
    } finally {
      second.signal('SIGCONT');
    }
    await eventually(
      async () => ((await instancesSeenBy(gateway)).ready.includes(second.graphqlUrl) ? true : undefined),
      30_000,
      'the gateway to see the instance ready again',
    );
    assert.equal(await graphqlServed(second.baseUrl), servedBefore, 'queries reached the stopped instance');
  });

  it('loses no query of steady load while an instance is SIGTERMed: it drains, the gateway moves on', async () => {
    const servedAtStart = await graphqlServed(second.baseUrl);
    let running = true;
    const failures: string[] = [];
    let answered = 0;
    const client = async () => {
      while (running) {
        const answer = await readMeter().catch((error: unknown) => ({
          errors: [{ message: String(error) }],
        }));
        if ('data' in answer && answer.data?.meter?.id === meterId && !answer.errors?.length) answered += 1;
        else failures.push(JSON.stringify(answer.errors ?? answer));
      }
    };
    const clients = Array.from({ length: 4 }, client);
    try {
      await sleep(2000);
      const servedUnderLoad = (await graphqlServed(second.baseUrl)) - servedAtStart;
      second.signal('SIGTERM');
      const exit = await second.exited;
      assert.deepEqual(exit, { code: 0, signal: null }, 'the instance shut down cleanly');
      assert.ok(servedUnderLoad > 0, 'the load reached the instance before it was stopped');
      await sleep(2000);
    } finally {
      running = false;
      await Promise.all(clients);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${answered + failures.length} queries failed`);
    assert.ok(answered > 0);
  });
});
