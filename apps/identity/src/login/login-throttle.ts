import { normalizeEmail } from '@voltstream/identity';
import { Queryable } from '@voltstream/platform';
import { createHash } from 'node:crypto';

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 10, perAddress: 100, windowSeconds: 300 };

/**
 * Identity's own sign-in throttle, in its own database: the gateway throttles too, but a direct
 * call to identity, a second gateway or a gateway bug must not reach the password check more
 * often than this. Fixed windows per account (a hash of the normalised email, so the table
 * holds no addresses of anyone) and per client address; every attempt counts, whatever its
 * outcome, and an attempt over a limit is refused before the password is looked at.
 */
export class LoginThrottle {
  private attemptsSinceSweep = 0;

  constructor(private readonly limits: LoginLimits) {}

  /** Counts one attempt; the seconds to wait when a limit is passed, else null. */
  async attempt(db: Queryable, email: string, address: string): Promise<number | null> {
    const accountKey = `account:${createHash('sha256').update(normalizeEmail(email)).digest('hex')}`;
    const rows = await db.query<{ key: string; attempts: number; reset_seconds: number }[]>(
      `INSERT INTO login_attempts AS a (key, attempts, window_ends_at)
       VALUES ($1, 1, now() + make_interval(secs => $3)), ($2, 1, now() + make_interval(secs => $3))
       ON CONFLICT (key) DO UPDATE SET
         attempts = CASE WHEN a.window_ends_at <= now() THEN 1 ELSE a.attempts + 1 END,
         window_ends_at = CASE WHEN a.window_ends_at <= now() THEN EXCLUDED.window_ends_at ELSE a.window_ends_at END
       RETURNING key, attempts, greatest(1, ceil(extract(epoch FROM window_ends_at - now())))::int AS reset_seconds`,
      [accountKey, `address:${address}`, this.limits.windowSeconds],
    );
    await this.sweepNowAndThen(db);
    const over = rows.filter(
      ({ key, attempts }) =>
        attempts > (key === accountKey ? this.limits.perAccount : this.limits.perAddress),
    );
    return over.length === 0 ? null : Math.max(...over.map((row) => row.reset_seconds));
  }

  /** Closed windows are dead rows: drop them every thousand attempts. */
  private async sweepNowAndThen(db: Queryable): Promise<void> {
    this.attemptsSinceSweep += 1;
    if (this.attemptsSinceSweep < 1000) return;
    this.attemptsSinceSweep = 0;
    await db.query('DELETE FROM login_attempts WHERE window_ends_at < now()');
  }
}
