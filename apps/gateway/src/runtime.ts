import {
  Authenticator,
  createRedis,
  JsonLogger,
  Readiness,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import Redis from 'ioredis';
import { Server } from 'node:http';
import { GatewayConfig, GRAPHQL_PATH } from './config';
import { GraphqlIde, graphqlIde } from './graphql-ide/graphql-ide';
import { LoginThrottle } from './limits/login-throttle';
import { RateLimiter } from './limits/rate-limiter';
import { persistedQueries, PersistedQuerySetup } from './persisted-queries/persisted-queries';
import { LiveSchema } from './subscriptions/live-schema';
import { subscribeLive } from './subscriptions/live-subscription';
import { RedisChannels } from './subscriptions/redis-channels';
import { supergraphCallsVia } from './subscriptions/supergraph-calls';
import { serveSubscriptions } from './subscriptions/subscription-server';
import { SubgraphInstances } from './subgraph-instances/subgraph-instances';
import { ApolloServer } from '@apollo/server';
import { GatewayContext } from './limits/gateway-context';

/** What the gateway runs beside Apollo: probes, metrics, the graphql-ws subscriptions and the IDE. */
export class GatewayRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly auth: Authenticator;
  readonly loginThrottle: LoginThrottle;
  readonly rateLimiter: RateLimiter;
  readonly persistedQueries: PersistedQuerySetup;
  /** The API schema with the Subscription type, as Apollo loads the supergraph. */
  readonly liveSchema = new LiveSchema();
  /** Development mode only: production serves no IDE, like it answers no introspection. */
  readonly ide: GraphqlIde | undefined;
  /** Each subgraph's instances, which its calls are spread over. */
  readonly subgraphs: SubgraphInstances;
  /** Rate limits, the login throttle and persisted queries: fails fast, never queues. */
  private readonly redis: Redis;
  private readonly channels: RedisChannels;
  private stopSubscriptions: (() => Promise<void>) | undefined;

  constructor(
    readonly config: GatewayConfig,
    readonly logger: JsonLogger,
    readonly supergraphSdl: string,
  ) {
    this.metrics = new ServiceMetrics(config.service.serviceName);
    this.auth = Authenticator.fromConfig(config.auth);
    this.subgraphs = new SubgraphInstances(config, logger);
    // Informational: a subgraph instance that is not ready is skipped, which needs no restart here.
    this.readiness.add({
      name: 'subgraph-instances',
      check: async () => ({ up: true, details: this.subgraphs.states() }),
    });
    this.redis = createRedis(config.redis, 'gateway:limits');
    this.loginThrottle = new LoginThrottle(this.redis, config.loginLimits, (error) =>
      logger.event('warn', 'login throttle counting in this process: Redis unavailable', {
        error: String(error),
      }),
    );
    this.rateLimiter = new RateLimiter(this.redis, config.rateLimits);
    // Not ready until the limiter's Redis has connected once, so the first requests after a
    // start are counted too; a later outage fails open (logged) instead of taking the API down.
    let limiterConnected = false;
    this.redis.once('ready', () => (limiterConnected = true));
    this.readiness.add({
      name: 'rate-limits',
      check: async () => ({ up: limiterConnected, details: { redis: this.redis.status } }),
    });
    this.persistedQueries = persistedQueries(config.persistedQueries, this.redis);
    this.ide =
      config.mode === 'development'
        ? graphqlIde(GRAPHQL_PATH, logger, () => this.liveSchema.get())
        : undefined;
    // A subscriber waits for Redis to come back rather than failing fast like a cache does.
    const subscriber = new Redis(config.redis.url, {
      connectionName: 'gateway:subscriptions',
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    subscriber.on('error', () => undefined);
    this.channels = new RedisChannels(subscriber);
    this.metrics.gaugeFrom('graphql_subscriptions', 'Open GraphQL subscriptions', () =>
      this.channels.subscriptionCount(),
    );
    // Queries do not need Redis; only live subscriptions do, so it shows here but never fails.
    this.readiness.add({
      name: 'subscriptions',
      check: async () => ({
        up: true,
        details: { redis: subscriber.status, open: this.channels.subscriptionCount() },
      }),
    });
  }

  /** graphql-ws on `server`; each event is resolved by `apollo`, this gateway's own server. */
  serveSubscriptions(server: Server, apollo: ApolloServer<GatewayContext>): void {
    const call = supergraphCallsVia(apollo, this.config.liveEventConcurrency);
    this.stopSubscriptions = serveSubscriptions(server, {
      schema: () => this.liveSchema.get(),
      auth: this.auth,
      limits: this.config.limits,
      allows: (query) => this.persistedQueries.allows(query),
      subscribe: (args) => subscribeLive(args, this.channels, call),
      logger: this.logger,
    });
  }

  async stop(): Promise<void> {
    this.subgraphs.stop();
    await this.stopSubscriptions?.();
    this.channels.close();
    // The last few milliseconds of charges, so the other instances count them.
    await Promise.race([this.rateLimiter.flush(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    this.redis.disconnect();
  }
}
