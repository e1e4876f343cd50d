import { JsonLogger } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { BillingRun } from './billing-run';

/** Any fixed number: the advisory lock only one instance's scheduler holds at a time. */
const SCHEDULER_LOCK = 734_211;

/** The last whole calendar month (UTC) before `now`. */
export function lastClosedMonth(now: Date): { start: Date; end: Date } {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { start, end };
}

/**
 * Runs billing (BillingRun) for the last closed month every interval: the invoices of every
 * account that has none for it yet. With several instances, an advisory lock lets one of them do
 * the work at a time; the guarantee of one invoice per period does not rest on it but on the
 * issuing transaction (the account row lock, the re-check under it and the no-overlap
 * constraint). An account opened during the month is billed from the hour it opened.
 */
export class InvoiceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly billingRun: BillingRun,
    private readonly logger: JsonLogger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.event('warn', 'invoice run failed', { error: String(error) }))
        .finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many invoices it issued. */
  async runOnce(now = new Date()): Promise<number> {
    const month = lastClosedMonth(now);
    const runner = this.db.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        SCHEDULER_LOCK,
      ])) as {
        locked: boolean;
      }[];
      if (!locked) return 0;
      try {
        return await this.billingRun.run(runner, month);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SCHEDULER_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
