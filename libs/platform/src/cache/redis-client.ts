import Redis, { ChainableCommander } from 'ioredis';
import { RedisConfig } from '../config/service-config';

/**
 * A Redis client that fails fast: no offline queue (ioredis queues forever by default,
 * ioredis#285) and a command timeout, so a Redis outage degrades reads to the database
 * instead of hanging them.
 */
export function createRedis(config: RedisConfig, connectionName: string): Redis {
  const redis = new Redis(config.url, {
    connectionName,
    enableOfflineQueue: false,
    commandTimeout: config.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Errors surface on each command; the connection-level ones would only repeat them.
  redis.on('error', () => undefined);
  return redis;
}

/**
 * A single-key Lua script as an ioredis command, queued on a pipeline by `(pipeline, key, ...args)`:
 * ioredis sends the script once and then runs it by its SHA (EVALSHA), instead of the whole text
 * with every call. Single-key, so it runs on a Redis Cluster too.
 */
export function luaCommand(
  redis: Redis,
  name: string,
  lua: string,
): (pipeline: ChainableCommander, key: string, ...args: (string | number)[]) => void {
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  return (pipeline, key, ...args) => {
    (pipeline as unknown as Record<string, (...values: (string | number)[]) => unknown>)[name](key, ...args);
  };
}
