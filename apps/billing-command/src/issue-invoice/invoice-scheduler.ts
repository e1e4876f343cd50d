import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { JsonLogger } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { IssueInvoiceHandler } from './issue-invoice.handler';

/** Any fixed number: the advisory lock only one instance's scheduler holds at a time. */
const SCHEDULER_LOCK = 734_211;

/** The last whole calendar month (UTC) before `now`. */
export function lastClosedMonth(now: Date): { start: Date; end: Date } {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { start, end };
}

/**
 * Issues the invoices of the last closed month for every account that has none for it yet.
 * With several instances, an advisory lock lets one of them do the work at a time; the
 * guarantee of one invoice per period does not rest on it but on the issuing transaction (the
 * account row lock and the no-overlap constraint), so a second issuer only ever gets CONFLICT.
 * An account opened during the month is billed from the hour it opened.
 */
export class InvoiceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly issuer: IssueInvoiceHandler,
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
        const due = (await runner.query(
          `SELECT a.id, greatest($1::timestamptz, date_trunc('hour', a.opened_at)) AS period_start
           FROM billing_accounts a
           WHERE a.opened_at < $2
             AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = a.id
                             AND tstzrange(i.period_start, i.period_end) && tstzrange($1, $2))`,
          [month.start, month.end],
        )) as { id: string; period_start: Date }[];
        let issued = 0;
        for (const account of due) {
          if (account.period_start >= month.end) continue;
          try {
            await this.issuer.issue(account.id, { start: account.period_start, end: month.end }, null);
            issued += 1;
          } catch (error) {
            if (error instanceof DomainError && error.code === ErrorCodes.conflict) continue;
            this.logger.event('warn', 'invoice not issued', { accountId: account.id, error: String(error) });
          }
        }
        if (issued > 0)
          this.logger.event('info', 'invoices issued', { issued, periodEnd: month.end.toISOString() });
        return issued;
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SCHEDULER_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }
}
