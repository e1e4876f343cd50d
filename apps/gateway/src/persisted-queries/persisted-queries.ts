import { ApolloServerPlugin } from '@apollo/server';
import Redis from 'ioredis';
import { GatewayConfig } from '../config';
import { GatewayContext } from '../limits/gateway-context';
import { QueryCache, RedisQueryCache } from './apq-cache';
import { isRegistered, loadSafelist, SafelistQueryCache, safelistPlugin } from './safelist';

export interface PersistedQuerySetup {
  /** Apollo Server's `persistedQueries` option. */
  option: false | { cache: QueryCache; ttl: number | null };
  plugins: ApolloServerPlugin<GatewayContext>[];
  /** Whether an operation sent as text may run: only a registered one in safelist mode. */
  allows(query: string): boolean;
}

/** Apollo Server's persisted-query settings for the configured mode. */
export function persistedQueries(
  config: GatewayConfig['persistedQueries'],
  redis: Redis,
): PersistedQuerySetup {
  switch (config.mode) {
    case 'off':
      return { option: false, plugins: [], allows: () => true };
    case 'apq':
      return {
        option: { cache: new RedisQueryCache(redis, config.ttlSeconds), ttl: config.ttlSeconds },
        plugins: [],
        allows: () => true,
      };
    case 'safelist': {
      // readConfig refuses safelist mode without a manifest.
      const safelist = loadSafelist(config.manifestPath ?? '');
      return {
        option: { cache: new SafelistQueryCache(safelist), ttl: null },
        plugins: [safelistPlugin(safelist)],
        allows: (query) => isRegistered(safelist, query),
      };
    }
    default: {
      const exhaustive: never = config.mode;
      throw new Error(`unknown persisted-query mode ${String(exhaustive)}`);
    }
  }
}
