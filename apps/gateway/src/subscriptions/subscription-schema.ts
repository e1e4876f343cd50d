import { DomainError, ErrorCodes, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { Caller, DateTimeScalar } from '@voltstream/platform';
import {
  GraphQLBoolean,
  GraphQLFieldConfig,
  GraphQLFloat,
  GraphQLID,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
} from 'graphql';
import { channelIterator, RedisChannels } from './redis-channels';

export interface SubscriptionContext {
  /** The verified caller, or null when the connection carried no access token. */
  caller: Caller | null;
  /** The access token itself, passed on when asking a subgraph on the caller's behalf. */
  token: string | undefined;
}

/** Asks the service that owns meters whether this caller may read this one. */
export type MeterAccess = (meterId: string, accessToken: string) => Promise<boolean>;

const Reading = new GraphQLObjectType({
  name: 'Reading',
  fields: {
    at: { type: new GraphQLNonNull(DateTimeScalar) },
    kwh: { type: new GraphQLNonNull(GraphQLFloat) },
  },
});

/** Must match the channel energy-query's projector publishes to after it commits. */
const meterReadingsChannel = (meterId: string) => `energy:meter-readings:${meterId}`;

/**
 * The Subscription type, served by the gateway itself over graphql-ws: @apollo/gateway has no
 * subscriptions. Each resolver authorises on subscribe, then reads the Redis channel that the
 * projector publishes to after its commit.
 */
export function subscriptionSchema(channels: RedisChannels, canReadMeter: MeterAccess): GraphQLSchema {
  const meterReadings: GraphQLFieldConfig<unknown, SubscriptionContext, { meterId: string }> = {
    type: new GraphQLNonNull(Reading),
    args: { meterId: { type: new GraphQLNonNull(GraphQLID) } },
    subscribe: async (_source, { meterId }, context) => {
      if (!context.caller || !context.token)
        throw new DomainError(ErrorCodes.unauthenticated, 'sign in first');
      if (!UUID_PATTERN.test(meterId) || !(await canReadMeter(meterId, context.token)))
        throw notFound('meter');
      return channelIterator(
        channels,
        meterReadingsChannel(meterId),
        (message) => JSON.parse(message) as unknown,
      );
    },
    resolve: (reading: unknown) => reading,
  };
  return new GraphQLSchema({
    // graphql-js wants a Query type; queries go over HTTP to the supergraph.
    query: new GraphQLObjectType({
      name: 'Query',
      fields: { subscriptionsOnly: { type: GraphQLBoolean, resolve: () => true } },
    }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { meterReadings } }),
  });
}
