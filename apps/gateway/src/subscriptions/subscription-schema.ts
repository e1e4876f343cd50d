import { DomainError, ErrorCodes, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { Caller, DateTimeScalar } from '@voltstream/platform';
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLFieldConfig,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { channelIterator, RedisChannels } from './redis-channels';

export interface SubscriptionContext {
  /** The verified caller, or null when the connection carried no access token. */
  caller: Caller | null;
  /** The access token itself, passed on when asking a subgraph on the caller's behalf. */
  token: string | undefined;
}

/** Asks the service that owns an object whether this caller may read it. */
export type OwnerAccess = (id: string, accessToken: string) => Promise<boolean>;

export interface Owners {
  meter: OwnerAccess;
  billingAccount: OwnerAccess;
}

const Reading = new GraphQLObjectType({
  name: 'Reading',
  fields: {
    at: { type: new GraphQLNonNull(DateTimeScalar) },
    kwh: { type: new GraphQLNonNull(GraphQLFloat) },
  },
});

const Money = new GraphQLObjectType({
  name: 'Money',
  fields: {
    amountMinor: { type: new GraphQLNonNull(GraphQLInt) },
    currency: { type: new GraphQLNonNull(GraphQLString) },
    amount: { type: new GraphQLNonNull(GraphQLString) },
  },
});

const InvoiceStatus = new GraphQLEnumType({
  name: 'InvoiceStatus',
  values: { ISSUED: {}, PARTIALLY_PAID: {}, PAID: {}, VOID: {} },
});

/** The invoice as billing-query publishes it after each change (its lines: query `invoice(id)`). */
const Invoice = new GraphQLObjectType({
  name: 'Invoice',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLID) },
    number: { type: new GraphQLNonNull(GraphQLString) },
    status: { type: new GraphQLNonNull(InvoiceStatus) },
    periodStart: { type: new GraphQLNonNull(DateTimeScalar) },
    periodEnd: { type: new GraphQLNonNull(DateTimeScalar) },
    total: { type: new GraphQLNonNull(Money) },
    amountDue: { type: new GraphQLNonNull(Money) },
    issuedAt: { type: new GraphQLNonNull(DateTimeScalar) },
    dueAt: { type: new GraphQLNonNull(DateTimeScalar) },
  },
});

const Verb = new GraphQLEnumType({
  name: 'Verb',
  values: {
    ENROLLED: {},
    COMPLETED_LESSON: {},
    COMPLETED_COURSE: {},
    EARNED_ACHIEVEMENT: {},
    POSTED: {},
    FOLLOWED: {},
  },
});

/** The activity as feeds-query publishes it to each feed it lands in (full data: query `feed`). */
const Activity = new GraphQLObjectType({
  name: 'Activity',
  fields: {
    id: { type: new GraphQLNonNull(GraphQLID) },
    verb: { type: new GraphQLNonNull(Verb) },
    text: { type: GraphQLString },
    at: { type: new GraphQLNonNull(DateTimeScalar) },
    actor: {
      type: new GraphQLNonNull(
        new GraphQLObjectType({ name: 'User', fields: { id: { type: new GraphQLNonNull(GraphQLID) } } }),
      ),
    },
    course: {
      type: new GraphQLObjectType({
        name: 'Course',
        fields: {
          id: { type: new GraphQLNonNull(GraphQLID) },
          title: { type: new GraphQLNonNull(GraphQLString) },
        },
      }),
    },
  },
});

/** Must match the channels the query services' projectors publish to after they commit. */
const meterReadingsChannel = (meterId: string) => `energy:meter-readings:${meterId}`;
const invoiceUpdatesChannel = (accountId: string) => `billing:invoice-updates:${accountId}`;
const feedUpdatesChannel = (userId: string) => `feeds:feed-updates:${userId}`;

/** A subscription to one owned object's channel: authorised on subscribe, then fed by Redis. */
function ownedChannel(
  type: GraphQLObjectType,
  argument: string,
  what: string,
  mayRead: OwnerAccess,
  channels: RedisChannels,
  channel: (id: string) => string,
): GraphQLFieldConfig<unknown, SubscriptionContext, Record<string, string>> {
  return {
    type: new GraphQLNonNull(type),
    args: { [argument]: { type: new GraphQLNonNull(GraphQLID) } },
    subscribe: async (_source, args, context) => {
      if (!context.caller || !context.token)
        throw new DomainError(ErrorCodes.unauthenticated, 'sign in first');
      const id = args[argument] ?? '';
      if (!UUID_PATTERN.test(id) || !(await mayRead(id, context.token))) throw notFound(what);
      return channelIterator(channels, channel(id), (message) => JSON.parse(message) as unknown);
    },
    resolve: (payload: unknown) => payload,
  };
}

/**
 * The Subscription type, served by the gateway itself over graphql-ws: @apollo/gateway has no
 * subscriptions. Each resolver authorises on subscribe, then reads the Redis channel that the
 * projector publishes to after its commit.
 */
export function subscriptionSchema(channels: RedisChannels, owners: Owners): GraphQLSchema {
  const meterReadings = ownedChannel(
    Reading,
    'meterId',
    'meter',
    owners.meter,
    channels,
    meterReadingsChannel,
  );
  const invoiceUpdates = ownedChannel(
    Invoice,
    'accountId',
    'billing account',
    owners.billingAccount,
    channels,
    invoiceUpdatesChannel,
  );
  // One's own feed: signing in is the whole authorisation.
  const feedUpdates: GraphQLFieldConfig<unknown, SubscriptionContext> = {
    type: new GraphQLNonNull(Activity),
    subscribe: async (_source, _args, context) => {
      if (!context.caller) throw new DomainError(ErrorCodes.unauthenticated, 'sign in first');
      return channelIterator(
        channels,
        feedUpdatesChannel(context.caller.userId),
        (message) => JSON.parse(message) as unknown,
      );
    },
    resolve: (payload: unknown) => payload,
  };
  return new GraphQLSchema({
    // graphql-js wants a Query type; queries go over HTTP to the supergraph.
    query: new GraphQLObjectType({
      name: 'Query',
      fields: { subscriptionsOnly: { type: GraphQLBoolean, resolve: () => true } },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: { meterReadings, invoiceUpdates, feedUpdates },
    }),
  });
}
