// Subscription fan-out: one event to N subscribers of one meter, delivery latency from the
// publish on Redis to each subscriber's receipt (publisher and subscribers are this process, so
// both ends read the same clock).
// - Our gateway: `meterReadings(meterId) { at kwh }` over graphql-ws; the event is published on
//   the projector's channel `energy:meter-readings:<id>` and delivered as it is.
// - Hive Gateway, event-driven federated subscriptions over SSE: `meterUpdated(meterId)` on
//   `energy:meter-updated:<id>`; the event carries only the meter's id and the gateway resolves
//   the selected fields (`meter(id)` on energy-query, its owner on identity) through the
//   supergraph for each subscriber, with that subscriber's token.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { formatNumber, latencyStats, progress } from '../lib/runner.mjs';
import { cpuSeconds, startEngine } from './engine-process.mjs';
import { enginesRoot } from './install.mjs';

const SUBSCRIBERS = (process.env.FANOUT_SUBSCRIBERS ?? '100,1000').split(',').map(Number);
const EVENTS = 5;

/** Subscribers connect BATCH at a time, as clients arriving, not all in the same millisecond. */
const BATCH = 50;

/** `count` graphql-ws subscribers on our gateway; `onEvent(index, data)` per message. */
async function graphqlWsSubscribers(url, token, meterId, count, onEvent) {
  const clients = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start) }, (_, offset) => {
      const index = start + offset;
      let connected;
      const ready = new Promise((resolve) => (connected = resolve));
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        lazy: false,
        retryAttempts: 0,
        on: { connected, closed: connected, error: connected },
        onNonLazyError: () => undefined,
      });
      client.subscribe(
        {
          query: `subscription($m: ID!) { meterReadings(meterId: $m) { at kwh } }`,
          variables: { m: meterId },
        },
        { next: (value) => onEvent(index, value), error: () => undefined, complete: () => undefined },
      );
      clients.push(client);
      return ready;
    });
    await Promise.all(batch);
  }
  return () => Promise.all(clients.map((client) => client.dispose()));
}

/** The meter with its owner (energy-query, then identity), or only the event's own field. */
const HIVE_SELECTIONS = {
  resolved: '{ meterId meter { id serialNumber latestReading { at kwh } owner { id displayName } } }',
  payload: '{ meterId }',
};

/** `count` GraphQL-over-SSE subscribers on Hive Gateway; `onEvent(index, data)` per `next`. */
async function sseSubscribers(url, token, meterId, count, onEvent, selection) {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const body = JSON.stringify({
    query: `subscription($m: ID!) { meterUpdated(meterId: $m) ${selection} }`,
    variables: { m: meterId },
  });
  const requests = [];
  const open = (index) =>
    new Promise((resolve) => {
      const req = request(url, {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${token}`,
        },
      });
      req.on('response', (response) => {
        resolve();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!block.includes('event: next')) continue;
            const data = block.split('\n').find((line) => line.startsWith('data: '));
            if (data) onEvent(index, JSON.parse(data.slice(6)));
          }
        });
        response.on('error', () => undefined);
      });
      req.on('error', resolve);
      req.end(body);
      requests.push(req);
    });
  for (let start = 0; start < count; start += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, count - start) }, (_, offset) => open(start + offset)),
    );
  }
  return async () => {
    for (const req of requests) req.destroy();
    agent.destroy();
  };
}

/**
 * Opens `count` subscribers, publishes probes until each has received one, then EVENTS events
 * one after the other (each once every subscriber has the previous one, or after 10 s).
 */
async function measure({ name, engine, count, subscribe, publish, subgraphCounters }) {
  const received = new Array(count).fill(0);
  const latencies = [];
  let withErrors = 0;
  let sentAt = 0;
  let samples = [];
  const close = await subscribe(count, (index, data) => {
    received[index] += 1;
    if (sentAt) latencies.push(performance.now() - sentAt);
    if (sentAt && data?.errors) withErrors += 1;
    if (data && samples.length < 1) samples.push(data);
  });
  try {
    const deadline = Date.now() + 90_000;
    while (received.some((n) => n === 0)) {
      if (Date.now() > deadline) {
        throw new Error(
          `${name}: only ${received.filter((n) => n > 0).length} of ${count} subscribers got a probe`,
        );
      }
      await publish();
      await sleep(500);
    }
    await sleep(1000);
    received.fill(0);
    samples = [];
    const cpuBefore = cpuSeconds(engine.pid);
    const callsBefore = await subgraphCounters();
    let delivered = 0;
    for (let event = 1; event <= EVENTS; event += 1) {
      sentAt = performance.now();
      await publish();
      const until = Date.now() + 10_000;
      while (received.some((n) => n < event) && Date.now() < until) await sleep(5);
      sentAt = 0;
      delivered += received.filter((n) => n >= event).length;
      await sleep(200);
    }
    const cpuMs = ((cpuSeconds(engine.pid) ?? 0) - (cpuBefore ?? 0)) * 1000;
    const callsAfter = await subgraphCounters();
    const subgraphCalls = Object.fromEntries(
      Object.entries(callsAfter).map(([key, value]) => [key, value - callsBefore[key]]),
    );
    return {
      name,
      subscribers: count,
      events: EVENTS,
      delivered,
      withErrors,
      expected: count * EVENTS,
      latencyMs: latencyStats(latencies),
      engineCpuMsPerEvent: Math.round(cpuMs / EVENTS),
      subgraphCallsPerEvent: Object.fromEntries(
        Object.entries(subgraphCalls).map(([key, value]) => [key, Math.round((value / EVENTS) * 10) / 10]),
      ),
      sample: samples[0],
    };
  } finally {
    await close();
  }
}

/** The fan-out for our gateway and for Hive Gateway; returns `{ runs, lines }` for the report. */
export async function fanOut({ targets, supergraph, ours, customers, subgraphRequests, onCleanup }) {
  const { token, meterId } = customers[0];
  const redis = new Redis(targets.redis, { maxRetriesPerRequest: 1 });
  const stopRedis = onCleanup(() => redis.disconnect());
  const subgraphCounters = async () => ({
    'energy-query': await subgraphRequests(targets.energyQuery),
    identity: await subgraphRequests(targets.identity),
  });
  let hive;
  const runs = [];
  try {
    progress('gateway-engines: Hive Gateway with event-driven subscriptions on Redis');
    hive = await startEngine({
      label: 'hive-subscriptions',
      script: `${enginesRoot}/servers/hive-gateway.mjs`,
      env: { SUPERGRAPH_PATH: supergraph.path, PUBSUB_REDIS_URL: targets.redis },
      onCleanup,
    });
    let reading = 0;
    for (const count of SUBSCRIBERS) {
      progress(`gateway-engines: fan-out to ${count} subscribers, our gateway (graphql-ws)`);
      runs.push(
        await measure({
          name: 'our gateway (graphql-ws, payload as published)',
          engine: ours,
          count,
          subscribe: (n, onEvent) => graphqlWsSubscribers(ours.url, token, meterId, n, onEvent),
          publish: () =>
            redis.publish(
              `energy:meter-readings:${meterId}`,
              JSON.stringify({ at: new Date().toISOString(), kwh: (reading += 1) / 1000 }),
            ),
          subgraphCounters,
        }),
      );
      for (const [variant, selection] of Object.entries(HIVE_SELECTIONS)) {
        progress(`gateway-engines: fan-out to ${count} subscribers, Hive Gateway (SSE, ${variant})`);
        runs.push(
          await measure({
            name:
              variant === 'resolved'
                ? 'Hive Gateway (SSE, `meter` and its owner resolved per subscriber)'
                : "Hive Gateway (SSE, only the event's `meterId`)",
            engine: hive,
            count,
            subscribe: (n, onEvent) => sseSubscribers(hive.url, token, meterId, n, onEvent, selection),
            publish: () => redis.publish(`energy:meter-updated:${meterId}`, JSON.stringify({ meterId })),
            subgraphCounters,
          }),
        );
      }
    }
  } finally {
    await hive?.stop();
    stopRedis();
    redis.disconnect();
  }
  const lines = [
    '| engine | subscribers | delivered / expected (with errors) | p50 ms | p99 ms | max ms | engine CPU ms per event | subgraph calls per event |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...runs.map(
      (r) =>
        `| ${r.name} | ${formatNumber(r.subscribers)} | ${formatNumber(r.delivered)} / ${formatNumber(r.expected)} ` +
        `(${formatNumber(r.withErrors)}) | ` +
        `${formatNumber(r.latencyMs.p50)} | ${formatNumber(r.latencyMs.p99)} | ${formatNumber(r.latencyMs.max)} | ` +
        `${formatNumber(r.engineCpuMsPerEvent)} | ${Object.entries(r.subgraphCallsPerEvent)
          .map(([key, value]) => `${key} ${value}`)
          .join(', ')} |`,
    ),
  ];
  return { runs, lines };
}
