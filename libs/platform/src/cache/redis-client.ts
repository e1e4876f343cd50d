import Redis from 'ioredis';
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
