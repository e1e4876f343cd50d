import Redis from 'ioredis';
import { CounterState, FixedWindowCounters, secondsToWait } from './window-counter';

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

/** What this instance knows of one key's window: the shared count and what it has not sent yet. */
interface KnownWindow {
  /** The count in Redis at the last answer (every instance's charges). */
  shared: number;
  /** Charged here, on its way to Redis. */
  sending: number;
  /** Charged here, not sent yet. */
  pending: number;
  /** When the shared window closes (0: not known yet). */
  endsAt: number;
}

/** How long charges collect before one pipeline sends them all. */
const SEND_EVERY_MS = 20;
const MAX_KEYS = 100_000;

/**
 * The general API rate limit: every request is charged its operation count (one per root
 * field, aliases included) against its user and its client address. A refused request is
 * still charged, so hammering a limit does not reopen it.
 *
 * Counted here first and in Redis shortly after: a request is decided on the last shared count
 * plus what this instance charged since, and the charges of every key go to Redis together
 * every SEND_EVERY_MS in one pipeline. A request no longer waits for (or pays for) a Redis round
 * trip: the Redis write was the largest single cost of a trivial query (perf/README.md). One
 * instance counts its own requests exactly; across N instances a key can overshoot by what the
 * others admitted in the last few milliseconds, a rounding error on a per-minute limit. While
 * Redis cannot be reached, `consume` fails (the plugin lets requests through, as before) and the
 * charges wait to be sent.
 */
export class RateLimiter {
  private readonly counters: FixedWindowCounters;
  private readonly windows = new Map<string, KnownWindow>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private unavailable: Error | undefined;
  /** Keys charged since their last send: the next batch, without a walk over every window. */
  private readonly unsent = new Set<string>();

  constructor(
    redis: Redis,
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.counters = new FixedWindowCounters(redis, limits.windowSeconds);
  }

  async consume(request: { userId: string | null; ip: string; cost: number }): Promise<RateDecision> {
    const cost = Math.max(1, request.cost);
    const now = this.now();
    const states = [
      this.charge(`ratelimit:ip:${request.ip}`, cost, this.limits.perIp, now),
      ...(request.userId
        ? [this.charge(`ratelimit:user:${request.userId}`, cost, this.limits.perUser, now)]
        : []),
    ];
    this.sendSoon();
    if (this.unavailable) throw this.unavailable;
    return {
      remaining: Math.max(0, Math.min(...states.map(({ count, limit }) => limit - count))),
      retryAfterSeconds: secondsToWait(states),
    };
  }

  /** Sends what is charged but not sent; resolves once Redis has it (or refused it). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.sending) await this.sending;
    this.sending = this.send();
    try {
      await this.sending;
    } finally {
      this.sending = undefined;
    }
    // Charged while that batch was on its way (or put back after a failure): the next batch.
    if (this.unsent.size > 0) this.sendSoon();
  }

  private charge(key: string, cost: number, limit: number, now: number): CounterState {
    let window = this.windows.get(key);
    if (!window) {
      if (this.windows.size >= MAX_KEYS) this.forgetIdle(now);
      window = { shared: 0, sending: 0, pending: 0, endsAt: 0 };
      this.windows.set(key, window);
    }
    // The shared window closed: Redis starts the next one with the next charge sent.
    if (window.endsAt > 0 && window.endsAt <= now) Object.assign(window, { shared: 0, endsAt: 0 });
    window.pending += cost;
    this.unsent.add(key);
    const resetSeconds =
      window.endsAt > 0 ? Math.max(1, Math.ceil((window.endsAt - now) / 1000)) : this.limits.windowSeconds;
    return { count: window.shared + window.sending + window.pending, limit, resetSeconds };
  }

  private sendSoon(): void {
    if (this.timer || this.sending) return;
    this.timer = setTimeout(() => void this.flush(), SEND_EVERY_MS);
    this.timer.unref();
  }

  private async send(): Promise<void> {
    const batch = [...this.unsent].map((key) => [key, this.windows.get(key)!] as const);
    this.unsent.clear();
    if (batch.length === 0) return;
    for (const [, window] of batch) {
      window.sending = window.pending;
      window.pending = 0;
    }
    try {
      const states = await this.counters.add(
        batch.map(([key, window]) => ({ key, cost: window.sending, limit: 0 })),
      );
      const now = this.now();
      batch.forEach(([, window], i) => {
        // The answer counts every instance's charges, ours just sent included.
        window.shared = states[i].count;
        window.sending = 0;
        window.endsAt = now + states[i].resetSeconds * 1000;
      });
      this.unavailable = undefined;
    } catch (error) {
      for (const [key, window] of batch) {
        window.pending += window.sending;
        window.sending = 0;
        this.unsent.add(key);
      }
      this.unavailable = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Keeps the map bounded under a flood of distinct addresses: drops windows with nothing to send. */
  private forgetIdle(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.pending === 0 && window.sending === 0 && window.endsAt <= now) this.windows.delete(key);
    }
    if (this.windows.size < MAX_KEYS) return;
    for (const [key, window] of this.windows) {
      if (window.pending === 0 && window.sending === 0) this.windows.delete(key);
    }
  }
}
