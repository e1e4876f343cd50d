import { ApolloServerOptions } from '@apollo/server';
import Redis from 'ioredis';

type PersistedQueryOptions = Exclude<NonNullable<ApolloServerOptions<object>['persistedQueries']>, false>;
/** Apollo's KeyValueCache<string>, as the persisted-query option takes it. */
export type QueryCache = NonNullable<PersistedQueryOptions['cache']>;

/**
 * Automatic persisted queries kept in Redis, so a hash registered through one gateway instance
 * is known to all of them. Redis trouble reads as a miss: the client then sends the full query
 * (the APQ protocol's own fallback) and the request still succeeds.
 */
export class RedisQueryCache implements QueryCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(`gateway:${key}`).catch(() => null)) ?? undefined;
  }

  async set(key: string, value: string): Promise<void> {
    await this.redis.set(`gateway:${key}`, value, 'EX', this.ttlSeconds).catch(() => undefined);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.redis.del(`gateway:${key}`).catch(() => 0)) > 0;
  }
}
