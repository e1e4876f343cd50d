import {
  AuthConfig,
  EnvReader,
  readAuthConfig,
  readRedisConfig,
  readServiceConfig,
  RedisConfig,
  ServiceConfig,
} from '@voltstream/platform';
import { join } from 'node:path';
import { DEFAULT_LOGIN_LIMITS, LoginThrottleLimits } from './limits/login-throttle';
import { DEFAULT_LIMITS, OperationLimits } from './limits/operation-limits';
import { DEFAULT_RATE_LIMITS, RateLimits } from './limits/rate-limiter';

/** Queries, mutations, subscriptions (graphql-ws) and, in development mode, the IDE. */
export const GRAPHQL_PATH = '/graphql';

/**
 * `apq`: automatic persisted queries, shared by all instances through Redis; `safelist`: only
 * the operations of PERSISTED_QUERIES_MANIFEST run; `off`: full query text on every request.
 */
export type PersistedQueriesMode = 'apq' | 'safelist' | 'off';

export interface GatewayConfig {
  service: ServiceConfig;
  /** The supergraph composed at build time (scripts/compose-supergraph.mjs). */
  supergraphPath: string;
  /** `development` turns on introspection and the GraphQL IDE; `production` turns both off. */
  mode: 'development' | 'production';
  redis: RedisConfig;
  auth: AuthConfig;
  limits: OperationLimits;
  loginLimits: LoginThrottleLimits;
  rateLimits: RateLimits;
  /** Express's `trust proxy`: which proxies may set X-Forwarded-For (false: none). */
  trustProxy: string | false;
  persistedQueries: { mode: PersistedQueriesMode; manifestPath: string | undefined; ttlSeconds: number };
  /** `off` re-plans every operation: only for measuring what the plan cache saves. */
  queryPlanCache: 'on' | 'off';
  /** `on`: identical subgraph queries in flight share one call (shared-reads.ts). */
  shareInFlightQueries: 'on' | 'off';
  /** Subscription events read through the supergraph at once (LIVE_EVENT_CONCURRENCY). */
  liveEventConcurrency: number;
  /** How often each instance of a subgraph with several is asked for its readiness. */
  subgraphHealthIntervalMs: number;
  env: NodeJS.ProcessEnv;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'gateway', 4000),
    supergraphPath: reader.string('SUPERGRAPH_PATH', join(__dirname, 'supergraph.graphql')),
    mode: reader.oneOf('GRAPHQL_MODE', ['development', 'production'] as const, 'development'),
    redis: readRedisConfig(reader),
    auth: readAuthConfig(reader),
    limits: {
      maxDepth: reader.int('MAX_QUERY_DEPTH', DEFAULT_LIMITS.maxDepth, { min: 2, max: 100 }),
      maxAliases: reader.int('MAX_QUERY_ALIASES', DEFAULT_LIMITS.maxAliases, { min: 0, max: 10_000 }),
      maxCost: reader.int('MAX_QUERY_COST', DEFAULT_LIMITS.maxCost, { min: 10 }),
    },
    loginLimits: {
      perAccount: reader.int('LOGIN_ATTEMPTS_PER_ACCOUNT', DEFAULT_LOGIN_LIMITS.perAccount, { min: 1 }),
      perIp: reader.int('LOGIN_ATTEMPTS_PER_IP', DEFAULT_LOGIN_LIMITS.perIp, { min: 1 }),
      windowSeconds: reader.int('LOGIN_THROTTLE_WINDOW_SECONDS', DEFAULT_LOGIN_LIMITS.windowSeconds, {
        min: 1,
      }),
    },
    rateLimits: {
      perUser: reader.int('RATE_LIMIT_PER_USER', DEFAULT_RATE_LIMITS.perUser, { min: 1 }),
      perIp: reader.int('RATE_LIMIT_PER_IP', DEFAULT_RATE_LIMITS.perIp, { min: 1 }),
      windowSeconds: reader.int('RATE_LIMIT_WINDOW_SECONDS', DEFAULT_RATE_LIMITS.windowSeconds, {
        min: 1,
        max: 86_400,
      }),
    },
    trustProxy: reader.optionalString('TRUST_PROXY') ?? (false as const),
    persistedQueries: {
      mode: reader.oneOf('PERSISTED_QUERIES', ['apq', 'safelist', 'off'] as const, 'apq'),
      manifestPath: reader.optionalString('PERSISTED_QUERIES_MANIFEST'),
      ttlSeconds: reader.int('PERSISTED_QUERIES_TTL_SECONDS', 86_400, { min: 1 }),
    },
    queryPlanCache: reader.oneOf('QUERY_PLAN_CACHE', ['on', 'off'] as const, 'on'),
    shareInFlightQueries: reader.oneOf('SHARE_IN_FLIGHT_QUERIES', ['on', 'off'] as const, 'on'),
    // Subscription events read through the supergraph at once, per gateway: a post to 1,000
    // followers queues here instead of as 1,000 requests on a subgraph's database pool.
    liveEventConcurrency: reader.int('LIVE_EVENT_CONCURRENCY', 32, { min: 1, max: 10_000 }),
    // Shorter than a subgraph's SHUTDOWN_DRAIN_MS, so a draining instance is skipped before it closes.
    subgraphHealthIntervalMs: reader.int('SUBGRAPH_HEALTH_INTERVAL_MS', 1000, { min: 100, max: 60_000 }),
    env,
  };
  if (config.persistedQueries.mode === 'safelist' && !config.persistedQueries.manifestPath) {
    reader.problem(
      'PERSISTED_QUERIES=safelist needs PERSISTED_QUERIES_MANIFEST (a persisted-query manifest)',
    );
  }
  reader.done();
  return config;
}

/**
 * Where a subgraph's instances run: `<NAME>_URL` (e.g. ENERGY_QUERY_URL), a comma-separated list
 * of their GraphQL URLs, when set; else the URL the supergraph was composed with.
 */
export function subgraphUrls(config: GatewayConfig, name: string, composedUrl: string | undefined): string[] {
  const variable = `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
  const listed = (config.env[variable] ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
  const urls = listed.length > 0 ? listed : composedUrl ? [composedUrl] : [];
  if (urls.length === 0) throw new Error(`no URL for subgraph ${name}: set ${variable}`);
  for (const url of urls) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
      throw new Error(`${variable}: "${url}" is not an http(s) URL`);
  }
  return urls;
}
