import Redis from 'ioredis';
import { luaCommand } from './redis-client';

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

/**
 * Cache entries grouped per aggregate, each stamped with the aggregate version it was read at.
 * The projector raises the aggregate's version key after it commits and drops the group; a
 * reader that read an older replica snapshot can still write its entry afterwards, but the
 * stamp keeps it from ever being served. Any Redis error counts as a miss.
 */
export class ReadModelCache {
  private readonly raiseVersion: ReturnType<typeof luaCommand>;
  readonly stats: CacheStats = { hits: 0, misses: 0, errors: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
  ) {
    this.raiseVersion = luaCommand(redis, 'raiseReadModelVersion', RAISE_VERSION);
  }

  /** An entry counts only if stamped at or above both the projector's bar and `minVersion`. */
  async get<T>(aggregateId: string, field: string, minVersion = 0): Promise<T | undefined> {
    try {
      const results = await this.redis
        .pipeline()
        .get(this.versionKey(aggregateId))
        .hget(this.entriesKey(aggregateId), field)
        .exec();
      const bar = Math.max(Number(results?.[0]?.[1] ?? 0), minVersion);
      const raw = results?.[1]?.[1];
      if (typeof raw === 'string') {
        const entry = JSON.parse(raw) as { v: number; data: T };
        if (entry.v >= bar) {
          this.stats.hits += 1;
          return entry.data;
        }
      }
      this.stats.misses += 1;
      return undefined;
    } catch {
      this.stats.errors += 1;
      this.stats.misses += 1;
      return undefined;
    }
  }

  /** `version` must have been read before the data, from the same database. */
  async set<T>(aggregateId: string, field: string, version: number, data: T): Promise<void> {
    try {
      await this.redis
        .pipeline()
        .hset(this.entriesKey(aggregateId), field, JSON.stringify({ v: version, data }))
        .expire(this.entriesKey(aggregateId), this.ttlSeconds)
        .exec();
    } catch {
      this.stats.errors += 1;
    }
  }

  /** Called by the projector after its commit, with the version the aggregate reached. */
  async invalidate(aggregateVersions: ReadonlyMap<string, number>): Promise<void> {
    if (aggregateVersions.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [aggregateId, version] of aggregateVersions) {
      this.raiseVersion(pipeline, this.versionKey(aggregateId), version, this.ttlSeconds * 2);
      pipeline.del(this.entriesKey(aggregateId));
    }
    await pipeline.exec();
  }

  /**
   * Drops every cached entry (the version bars stay): after a read model's tables were replaced
   * by a rebuilt version, an entry stamped with a version the new tables also have may still
   * show what the old tables said. Returns how many aggregates' entries it dropped.
   */
  async dropAllEntries(): Promise<number> {
    let dropped = 0;
    const stream = this.redis.scanStream({ match: `${this.namespace}:{*}:entries`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      dropped += await this.redis.unlink(...keys);
    }
    return dropped;
  }

  hitRatio(): number {
    const total = this.stats.hits + this.stats.misses;
    return total === 0 ? 0 : this.stats.hits / total;
  }

  private versionKey(aggregateId: string): string {
    return `${this.namespace}:{${aggregateId}}:version`;
  }

  private entriesKey(aggregateId: string): string {
    return `${this.namespace}:{${aggregateId}}:entries`;
  }
}

/** Raise-only: an older invalidation arriving late must not lower the bar. */
const RAISE_VERSION = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1`;
