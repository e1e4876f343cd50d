// Hive Gateway (@graphql-hive/gateway-runtime) on the composed supergraph, no plugins besides
// header propagation: the access token and the consistency/correlation headers reach the
// subgraphs as they do through our gateway. HIVE_PLANNER=rust swaps in Hive Router's Rust query
// planner (@graphql-hive/router-runtime). Started by perf/engines/engines.mjs as a child process.
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const FORWARDED = ['authorization', 'x-consistency-token', 'x-correlation-id'];

const rust = process.env.HIVE_PLANNER === 'rust';
const options = {
  supergraph: readFileSync(process.env.SUPERGRAPH_PATH, 'utf8'),
  logging: 'warn',
  landingPage: false,
  graphiql: false,
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) =>
      Object.fromEntries(FORWARDED.map((name) => [name, request.headers.get(name) ?? undefined])),
  },
};
if (rust) options.unifiedGraphHandler = (await import('@graphql-hive/router-runtime')).unifiedGraphHandler;
if (process.env.PUBSUB_REDIS_URL)
  Object.assign(options, await eventDrivenSubscriptions(process.env.PUBSUB_REDIS_URL));

/**
 * Event-driven federated subscriptions (only for the fan-out scenario): `meterUpdated(meterId)`
 * listens on the Redis channel `energy:meter-updated:<meterId>`; an event carries the meter's id
 * (`{ "meterId": … }`) and the gateway resolves what the subscriber selected of `meter` through
 * the supergraph (`meter(id)` on energy-query, then e.g. the owner on identity) with the
 * subscriber's own token, so a meter that is not the subscriber's comes back null. Returning
 * `Meter` itself from the topic (`@resolveTo(pubsubTopic)` on a `Meter!` field) did not resolve
 * the entity's other fields here: they came back null without a subgraph call.
 */
async function eventDrivenSubscriptions(redisUrl) {
  const { RedisPubSub } = await import('@graphql-hive/pubsub/redis');
  const { default: Redis } = await import('ioredis');
  return {
    pubsub: new RedisPubSub(
      { pub: new Redis(redisUrl), sub: new Redis(redisUrl) },
      { channelPrefix: 'energy' },
    ),
    additionalTypeDefs: `
      extend schema { subscription: Subscription }
      type Subscription {
        meterUpdated(meterId: ID!): MeterUpdate! @resolveTo(pubsubTopic: "meter-updated:{args.meterId}")
      }
      type MeterUpdate {
        meterId: ID!
        meter: Meter
          @resolveTo(
            requiredSelectionSet: "{ meterId }"
            sourceName: "energy-query"
            sourceTypeName: "Query"
            sourceFieldName: "meter"
            sourceArgs: { id: "{root.meterId}" }
          )
      }`,
  };
}

const gateway = createGatewayRuntime(options);
const server = createServer(gateway);
server.listen(Number(process.env.PORT), '127.0.0.1', () =>
  process.stdout.write(`hive gateway (${rust ? 'rust' : 'default'} planner) on ${process.env.PORT}\n`),
);
const stop = () => server.close(() => gateway[Symbol.asyncDispose]().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
