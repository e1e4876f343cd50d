import { createHash } from 'node:crypto';
import Redis from 'ioredis';

export interface LoginThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = { perAccount: 10, perIp: 100, windowSeconds: 300 };

/**
 * Counts sign-in attempts per account and per client address in Redis (fixed windows), each
 * `login` field once, so aliasing many logins into one request buys nothing. Accounts are keyed
 * by a hash of the normalised email: the throttle never stores addresses.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly limits: LoginThrottleLimits,
  ) {}

  /** Records the attempts; returns the seconds to wait when a limit is passed, else null. */
  async attempt(emails: readonly string[], ip: string): Promise<number | null> {
    if (emails.length === 0) return null;
    const perAccount = new Map<string, number>();
    for (const email of emails) {
      const key = `throttle:login:account:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
      perAccount.set(key, (perAccount.get(key) ?? 0) + 1);
    }
    const counters: { key: string; cost: number; limit: number }[] = [
      ...[...perAccount].map(([key, cost]) => ({ key, cost, limit: this.limits.perAccount })),
      { key: `throttle:login:ip:${ip}`, cost: emails.length, limit: this.limits.perIp },
    ];
    const pipeline = this.redis.pipeline();
    for (const { key, cost } of counters) {
      pipeline.incrby(key, cost).expire(key, this.limits.windowSeconds, 'NX').ttl(key);
    }
    const results = (await pipeline.exec()) ?? [];
    let wait: number | null = null;
    counters.forEach(({ limit }, i) => {
      const count = Number(results[i * 3]?.[1]);
      const ttl = Number(results[i * 3 + 2]?.[1]);
      if (count > limit) wait = Math.max(wait ?? 1, ttl > 0 ? ttl : this.limits.windowSeconds);
    });
    return wait;
  }
}
