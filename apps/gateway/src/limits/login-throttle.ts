import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { CounterIncrement, FixedWindowCounters, LocalWindowCounters, secondsToWait } from './window-counter';

export interface LoginThrottleLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = { perAccount: 10, perIp: 100, windowSeconds: 300 };

/**
 * Counts sign-in attempts per account and per client address in Redis (fixed windows), each
 * `login` field once, so aliasing many logins into one request buys nothing. Accounts are keyed
 * by a hash of the normalised email: the throttle never stores addresses. While Redis cannot be
 * reached the attempts are counted in this process, so an outage never turns the throttle off.
 */
export class LoginThrottle {
  private readonly shared: FixedWindowCounters;
  private readonly local: LocalWindowCounters;

  constructor(
    redis: Redis,
    private readonly limits: LoginThrottleLimits,
    private readonly onFallback: (error: unknown) => void = () => undefined,
  ) {
    this.shared = new FixedWindowCounters(redis, limits.windowSeconds);
    this.local = new LocalWindowCounters(limits.windowSeconds);
  }

  /** Records the attempts; returns the seconds to wait when a limit is passed, else null. */
  async attempt(emails: readonly string[], ip: string): Promise<number | null> {
    if (emails.length === 0) return null;
    const increments = this.incrementsFor(emails, ip);
    const states = await this.shared.add(increments).catch((error: unknown) => {
      this.onFallback(error);
      return this.local.add(increments);
    });
    return secondsToWait(states);
  }

  private incrementsFor(emails: readonly string[], ip: string): CounterIncrement[] {
    const perAccount = new Map<string, number>();
    for (const email of emails) {
      const key = `throttle:login:account:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
      perAccount.set(key, (perAccount.get(key) ?? 0) + 1);
    }
    return [
      ...[...perAccount].map(([key, cost]) => ({ key, cost, limit: this.limits.perAccount })),
      { key: `throttle:login:ip:${ip}`, cost: emails.length, limit: this.limits.perIp },
    ];
  }
}
