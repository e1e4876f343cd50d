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

export interface GatewayConfig {
  service: ServiceConfig;
  /** The supergraph composed at build time (scripts/compose-supergraph.mjs). */
  supergraphPath: string;
  /** `development` turns on introspection; `production` turns it off. */
  mode: 'development' | 'production';
  redis: RedisConfig;
  auth: AuthConfig;
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
