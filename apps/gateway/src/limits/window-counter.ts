import Redis from 'ioredis';

/** One counter to add to: `cost` units against `limit` in the current window of `key`. */
export interface CounterIncrement {
  key: string;
  cost: number;
  limit: number;
}

export interface CounterState {
  count: number;
  limit: number;
  /** Seconds until the window of this key closes. */
  resetSeconds: number;
}

/**
 * Fixed-window counters in Redis: INCRBY, then EXPIRE NX starts the window on its first
 * increment, all in one pipeline (one round trip for every counter of a request). Every gateway
 * instance counts into the same keys, so limits hold however many instances run.
 */
export class FixedWindowCounters {
  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
  ) {}

  async add(increments: readonly CounterIncrement[]): Promise<CounterState[]> {
    const pipeline = this.redis.pipeline();
    for (const { key, cost } of increments) {
      pipeline.incrby(key, cost).expire(key, this.windowSeconds, 'NX').ttl(key);
    }
    const results = (await pipeline.exec()) ?? [];
    return increments.map(({ limit }, i) => {
      const [countError, count] = results[i * 3] ?? [];
      if (countError) throw countError;
      const ttl = Number(results[i * 3 + 2]?.[1]);
      return { count: Number(count), limit, resetSeconds: ttl > 0 ? ttl : this.windowSeconds };
    });
  }
}

/** The seconds to wait when any counter is over its limit, else null. */
export function secondsToWait(states: readonly CounterState[]): number | null {
  const over = states.filter(({ count, limit }) => count > limit);
  return over.length === 0 ? null : Math.max(1, ...over.map(({ resetSeconds }) => resetSeconds));
}
