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

export interface GatewayConfig {
  service: ServiceConfig;
  /** The supergraph composed at build time (scripts/compose-supergraph.mjs). */
  supergraphPath: string;
  /** `development` turns on introspection; `production` turns it off. */
  mode: 'development' | 'production';
  redis: RedisConfig;
  auth: AuthConfig;
  limits: OperationLimits;
  loginLimits: LoginThrottleLimits;
  /** Where subscriptions ask whether a caller may read a meter. */
  energyQueryUrl: string;
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
    energyQueryUrl: reader.url('ENERGY_QUERY_URL', ['http:', 'https:'], 'http://127.0.0.1:4102/graphql'),
    env,
  };
  reader.done();
  return config;
}

/**
 * Where a subgraph runs: `<NAME>_URL` (e.g. ENERGY_QUERY_URL) when set, else the URL the
 * supergraph was composed with.
 */
export function subgraphUrl(config: GatewayConfig, name: string, composedUrl: string | undefined): string {
  const variable = `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;
  const url = config.env[variable]?.trim() || composedUrl;
  if (!url) throw new Error(`no URL for subgraph ${name}: set ${variable}`);
  return url;
}
