import { luaCommand } from '@voltstream/platform';
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
 * Adds to one counter and starts its window on the first increment: [count, seconds left].
 * One command per counter instead of INCRBY + EXPIRE NX + TTL: a third of the Redis commands
 * the gateway encodes and sends per request.
 */
const ADD_TO_WINDOW = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
return { count, redis.call('TTL', KEYS[1]) }`;

/**
 * Fixed-window counters in Redis: each increment starts its key's window when it is the first,
 * all counters of a request in one pipeline (one round trip). Every gateway instance counts into
 * the same keys, so limits hold however many instances run.
 */
export class FixedWindowCounters {
  private readonly addToWindow: ReturnType<typeof luaCommand>;

  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
  ) {
    this.addToWindow = luaCommand(redis, 'addToWindow', ADD_TO_WINDOW);
  }

  async add(increments: readonly CounterIncrement[]): Promise<CounterState[]> {
    const pipeline = this.redis.pipeline();
    for (const { key, cost } of increments) this.addToWindow(pipeline, key, cost, this.windowSeconds);
    const results = (await pipeline.exec()) ?? [];
    return increments.map(({ limit }, i) => {
      const [error, reply] = results[i] ?? [];
      if (error) throw error;
      const [count, ttl] = (reply as [number, number] | undefined) ?? [Number.NaN, -1];
      return { count: Number(count), limit, resetSeconds: ttl > 0 ? ttl : this.windowSeconds };
    });
  }
}

/** The seconds to wait when any counter is over its limit, else null. */
export function secondsToWait(states: readonly CounterState[]): number | null {
  const over = states.filter(({ count, limit }) => count > limit);
  return over.length === 0 ? null : Math.max(1, ...over.map(({ resetSeconds }) => resetSeconds));
}

/**
 * The same fixed windows counted in this process: what a throttle falls back to while Redis
 * cannot be reached. Per instance only, so N gateways allow up to N× the limit during an
 * outage — still a limit, where letting every attempt through would be none. Windows that have
 * closed are dropped as keys are touched, and the map is bounded.
 */
export class LocalWindowCounters {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    private readonly windowSeconds: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  add(increments: readonly CounterIncrement[]): CounterState[] {
    const now = this.now();
    if (this.windows.size >= this.maxKeys) this.dropClosed(now);
    return increments.map(({ key, cost, limit }) => {
      let window = this.windows.get(key);
      if (!window || window.endsAt <= now) {
        window = { count: 0, endsAt: now + this.windowSeconds * 1000 };
        this.windows.set(key, window);
      }
      window.count += cost;
      return {
        count: window.count,
        limit,
        resetSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)),
      };
    });
  }

  private dropClosed(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    // Still full of live windows (a flood of distinct keys): start over rather than grow.
    if (this.windows.size >= this.maxKeys) this.windows.clear();
  }
}
