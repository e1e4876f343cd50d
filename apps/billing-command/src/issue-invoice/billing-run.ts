import { EventOutbox, JsonLogger, Queryable } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { billingStore } from '../shared/billing-store';
import { BillingRunMetrics } from './billing-run-metrics';
import { DueAccount, invoiceStore } from './invoice-store';
import { DecidedInvoice, decideInvoice, recordInvoices } from './issuing';

/**
 * The monthly billing run: the period's invoice for every account due, `batchSize` accounts per
 * transaction. One invoice's SQL round trips, lock and commit are shared by a whole batch (one
 * statement per step for all its accounts), which is what makes a run of many accounts fast.
 *
 * Resumable by construction: a batch commits its invoices, their ledger marks and their events
 * together or not at all, and the accounts due are recomputed at every start (open before the
 * period's end, no invoice overlapping it). A crash loses the batch in flight, which the next run
 * (any instance) issues; no account is invoiced twice (the account lock, the re-check under it,
 * and the invoices' no-overlap constraint) and none is skipped.
 */
export class BillingRun {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly metrics: BillingRunMetrics,
    private readonly logger: JsonLogger,
    private readonly options: { batchSize: number; concurrency: number; paymentTermDays: number },
  ) {}

  /**
   * Issues the month's invoices of every account due; returns how many it issued. `concurrency`
   * batches go at once (disjoint accounts, so they never wait for each other): one is priced in
   * this process while the database works on another.
   */
  async run(db: Queryable, month: { start: Date; end: Date }): Promise<number> {
    const due = await dueAccounts(db, month);
    this.metrics.started(month.end, due.length);
    const batches: DueAccount[][] = [];
    for (let i = 0; i < due.length; i += this.options.batchSize)
      batches.push(due.slice(i, i + this.options.batchSize));
    let next = 0;
    let remaining = due.length;
    let issued = 0;
    const worker = async () => {
      for (let batch = batches[next++]; batch; batch = batches[next++]) {
        try {
          const count = await this.db.transaction((tx) => this.issueBatch(tx, batch, month.end));
          issued += count;
          remaining -= batch.length;
          this.metrics.batchDone(count, remaining);
        } catch (error) {
          // Its accounts stay due: the next run issues them.
          remaining -= batch.length;
          this.metrics.batchFailed(remaining);
          this.logger.event('warn', 'billing run batch rolled back', {
            accounts: batch.length,
            firstAccountId: batch[0].accountId,
            error: String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, batches.length) }, worker));
    this.metrics.finished();
    if (issued > 0)
      this.logger.event('info', 'invoices issued', {
        issued,
        due: due.length,
        periodEnd: month.end.toISOString(),
      });
    return issued;
  }

  /**
   * One batch in one transaction: lock its accounts (in id order, as every issuer does), drop
   * those invoiced since the run listed them, then price each from its locked unbilled usage and
   * record all the invoices together.
   */
  private async issueBatch(tx: Queryable, batch: readonly DueAccount[], periodEnd: Date): Promise<number> {
    const accounts = await billingStore.lockAccounts(
      tx,
      batch.map((due) => due.accountId),
    );
    const invoiced = await invoiceStore.accountsInvoicedIn(tx, batch, periodEnd);
    const open = batch.filter((due) => !invoiced.has(due.accountId));
    const byId = new Map(accounts.map((account) => [account.id, account]));
    const tariffs = await billingStore.tariffs(tx, [...new Set(accounts.map((a) => a.tariffId))]);
    const meters = await billingStore.metersOfAccounts(
      tx,
      open.map((due) => due.accountId),
    );
    const unbilled = await invoiceStore.lockUnbilledOf(tx, open, periodEnd);
    const issuedAt = new Date();
    const decided: DecidedInvoice[] = [];
    for (const due of open) {
      const account = byId.get(due.accountId);
      if (!account) continue;
      const tariff = tariffs.get(account.tariffId);
      if (!tariff) throw new Error(`account ${account.id} has no tariff ${account.tariffId}`);
      decided.push(
        decideInvoice(
          {
            account,
            tariff,
            meters: meters.get(account.id) ?? [],
            unbilled: unbilled.get(account.id) ?? [],
            period: { start: due.periodStart, end: periodEnd },
          },
          issuedAt,
          this.options.paymentTermDays,
        ),
      );
    }
    await recordInvoices(tx, this.outbox, decided, null);
    return decided.length;
  }
}

/**
 * Accounts opened before the month's end with no invoice overlapping it, in id order; each billed
 * from the month's start or the hour it opened.
 */
async function dueAccounts(db: Queryable, month: { start: Date; end: Date }): Promise<DueAccount[]> {
  const rows = await db.query<{ id: string; period_start: Date }[]>(
    `SELECT a.id, greatest($1::timestamptz, date_trunc('hour', a.opened_at)) AS period_start
     FROM billing_accounts a
     WHERE a.opened_at < $2
       AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.account_id = a.id
                       AND tstzrange(i.period_start, i.period_end) && tstzrange($1, $2))
     ORDER BY a.id`,
    [month.start, month.end],
  );
  return rows
    .filter((row) => row.period_start < month.end)
    .map((row) => ({ accountId: row.id, periodStart: row.period_start }));
}
