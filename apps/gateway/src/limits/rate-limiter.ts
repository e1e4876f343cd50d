import Redis from 'ioredis';
import { FixedWindowCounters, secondsToWait } from './window-counter';

export interface RateLimits {
  /** Operations a signed-in user may run per window, from every address together. */
  perUser: number;
  /** Operations one client address may run per window, signed in or not. */
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { perUser: 6_000, perIp: 60_000, windowSeconds: 60 };

export interface RateDecision {
  /** Operations left in the tightest window that applies (0 once limited). */
  remaining: number;
  /** Set when the request is over a limit. */
  retryAfterSeconds: number | null;
}

/**
 * The general API rate limit: every request is charged its operation count (one per root
 * field, aliases included) against its user and its client address. A refused request is
 * still charged, so hammering a limit does not reopen it.
 */
export class RateLimiter {
  private readonly counters: FixedWindowCounters;

  constructor(
    redis: Redis,
    private readonly limits: RateLimits,
  ) {
    this.counters = new FixedWindowCounters(redis, limits.windowSeconds);
  }

  async consume(request: { userId: string | null; ip: string; cost: number }): Promise<RateDecision> {
    const cost = Math.max(1, request.cost);
    const states = await this.counters.add([
      { key: `ratelimit:ip:${request.ip}`, cost, limit: this.limits.perIp },
      ...(request.userId
        ? [{ key: `ratelimit:user:${request.userId}`, cost, limit: this.limits.perUser }]
        : []),
    ]);
    return {
      remaining: Math.max(0, Math.min(...states.map(({ count, limit }) => limit - count))),
      retryAfterSeconds: secondsToWait(states),
    };
  }
}
