import { InvoiceIssuedV1 } from '@voltstream/contracts';
import {
  BillingPeriod,
  creditFromNegativeTotal,
  InvoiceState,
  LateUsage,
  UsageHour,
} from '@voltstream/billing';
import { Queryable } from '@voltstream/platform';
import { groupBy } from '../shared/group-by';

/** An account to invoice from `periodStart` (its month's start, or the hour it opened). */
export interface DueAccount {
  accountId: string;
  periodStart: Date;
}

/** Usage not yet billed, as the ledger holds it: an hour of a meter, in an invoiced period or not. */
export interface UnbilledHour {
  meterId: string;
  hourStart: Date;
  /** Wh still to bill (text: bigint); below 0 when a correction took back more than it added. */
  wh: string;
  /** The part of `wh` that energy estimated (text: bigint); below 0 when estimates were replaced. */
  estimatedWh: string;
  /** The invoiced period the hour falls in, when it came late; else null. */
  invoicedPeriod: BillingPeriod | null;
}

/** The SQL of issuing one invoice; each statement runs in the issuer's transaction. */
export const invoiceStore = {
  async overlapsAnInvoice(tx: Queryable, accountId: string, period: BillingPeriod): Promise<boolean> {
    const invoiced = await invoiceStore.accountsInvoicedIn(
      tx,
      [{ accountId, periodStart: period.start }],
      period.end,
    );
    return invoiced.size > 0;
  },

  /** Which of the accounts already have an invoice overlapping their period (its start to `periodEnd`). */
  async accountsInvoicedIn(
    tx: Queryable,
    dues: readonly DueAccount[],
    periodEnd: Date,
  ): Promise<Set<string>> {
    const rows = await tx.query<{ account_id: string }[]>(
      `SELECT DISTINCT i.account_id
       FROM unnest($1::uuid[], $2::timestamptz[]) AS due (account_id, period_start)
       JOIN invoices i ON i.account_id = due.account_id
        AND tstzrange(i.period_start, i.period_end) && tstzrange(due.period_start, $3)`,
      [dues.map((d) => d.accountId), dues.map((d) => d.periodStart), periodEnd],
    );
    return new Set(rows.map((row) => row.account_id));
  },

  /**
   * Unbilled usage up to the period's end: the period's own hours (all of their `wh`: no invoice
   * covers them), and late usage of hours an earlier invoice covers (`late_wh`). The account's
   * meters are locked first (FOR SHARE, as the usage ledger locks them FOR UPDATE to write), so
   * no usage reaches these hours until the transaction ends and `markBilled` bills exactly this.
   */
  async lockUnbilled(tx: Queryable, accountId: string, period: BillingPeriod): Promise<UnbilledHour[]> {
    const unbilled = await invoiceStore.lockUnbilledOf(
      tx,
      [{ accountId, periodStart: period.start }],
      period.end,
    );
    return unbilled.get(accountId) ?? [];
  },

  /** `lockUnbilled` for several accounts at once (each from its own period start), by account. */
  async lockUnbilledOf(
    tx: Queryable,
    dues: readonly DueAccount[],
    periodEnd: Date,
  ): Promise<Map<string, UnbilledHour[]>> {
    const accountIds = dues.map((d) => d.accountId);
    await tx.query(
      `SELECT 1 FROM billing_meters m JOIN account_meters am USING (meter_id)
       WHERE am.account_id = ANY($1::uuid[]) ORDER BY m.meter_id FOR SHARE OF m`,
      [accountIds],
    );
    const rows = await tx.query<
      {
        account_id: string;
        meter_id: string;
        hour_start: Date;
        wh: string;
        estimated_wh: string;
        period_start: Date | null;
        period_end: Date | null;
      }[]
    >(
      `WITH due AS (SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS d (account_id, period_start))
       SELECT due.account_id, u.meter_id, u.hour_start, u.wh::text AS wh, u.estimated_wh::text AS estimated_wh,
              NULL::timestamptz AS period_start, NULL::timestamptz AS period_end
       FROM due JOIN account_meters am ON am.account_id = due.account_id
       JOIN usage_hourly u ON u.meter_id = am.meter_id AND u.hour_start >= due.period_start AND u.hour_start < $3
       WHERE u.wh > 0 OR u.estimated_wh <> 0
       UNION ALL
       SELECT due.account_id, u.meter_id, u.hour_start, u.late_wh::text AS wh,
              u.late_estimated_wh::text AS estimated_wh, i.period_start, i.period_end
       FROM due JOIN account_meters am ON am.account_id = due.account_id
       JOIN usage_hourly u ON u.meter_id = am.meter_id AND (u.late_wh <> 0 OR u.late_estimated_wh <> 0)
        AND u.hour_start < $3
       JOIN invoices i ON i.account_id = due.account_id
        AND u.hour_start >= i.period_start AND u.hour_start < i.period_end`,
      [accountIds, dues.map((d) => d.periodStart), periodEnd],
    );
    return groupBy(
      rows,
      (row) => row.account_id,
      (row): UnbilledHour => ({
        meterId: row.meter_id,
        hourStart: row.hour_start,
        wh: row.wh,
        estimatedWh: row.estimated_wh,
        invoicedPeriod:
          row.period_start && row.period_end ? { start: row.period_start, end: row.period_end } : null,
      }),
    );
  },

  /** The invoice rows, and each account's next number taken. */
  async insertAll(
    tx: Queryable,
    invoices: readonly InvoiceIssuedV1[],
    sequences: readonly number[],
  ): Promise<void> {
    if (invoices.length === 0) return;
    await tx.query(
      `UPDATE billing_accounts a SET next_invoice_sequence = a.next_invoice_sequence + 1
       FROM unnest($1::uuid[]) AS issued (account_id) WHERE a.id = issued.account_id`,
      [invoices.map((i) => i.accountId)],
    );
    await tx.query(
      `INSERT INTO invoices (id, account_id, owner_id, sequence, number, period_start, period_end, currency,
         lines, total_minor, status, issued_at, due_at, version)
       SELECT *, 1 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::timestamptz[],
         $7::timestamptz[], $8::text[], $9::jsonb[], $10::bigint[], $11::text[], $12::timestamptz[],
         $13::timestamptz[])`,
      [
        invoices.map((i) => i.invoiceId),
        invoices.map((i) => i.accountId),
        invoices.map((i) => i.ownerId),
        sequences,
        invoices.map((i) => i.number),
        invoices.map((i) => i.periodStart),
        invoices.map((i) => i.periodEnd),
        invoices.map((i) => i.currency),
        invoices.map((i) => JSON.stringify(i.lines)),
        invoices.map((i) => i.totalMinor),
        invoices.map((i) => i.status),
        invoices.map((i) => i.issuedAt),
        invoices.map((i) => i.dueAt),
      ],
    );
  },

  /** The account's credit pays part of the new invoice: the invoice at version 2, the credit less. */
  async useCredit(tx: Queryable, invoice: InvoiceState, amountMinor: number): Promise<void> {
    await tx.query('UPDATE invoices SET succeeded_minor = $2, status = $3, version = 2 WHERE id = $1', [
      invoice.invoiceId,
      invoice.succeededMinor,
      invoice.status,
    ]);
    await tx.query('UPDATE billing_accounts SET credit_minor = credit_minor - $2 WHERE id = $1', [
      invoice.accountId,
      amountMinor,
    ]);
  },

  /**
   * The ledger records what the invoices billed: late usage folds into its hour's `wh` (and its
   * estimated part into `estimated_wh`). The period's own hours need no write: the invoice now
   * covers them, as their `wh` stands.
   */
  async markBilled(tx: Queryable, hours: readonly UnbilledHour[]): Promise<void> {
    const late = hours.filter((h) => h.invoicedPeriod);
    if (late.length === 0) return;
    await tx.query(
      `UPDATE usage_hourly u SET wh = u.wh + billed.wh, late_wh = u.late_wh - billed.wh,
         estimated_wh = u.estimated_wh + billed.est, late_estimated_wh = u.late_estimated_wh - billed.est
       FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[]) AS billed (meter_id, hour_start, wh, est)
       WHERE u.meter_id = billed.meter_id AND u.hour_start = billed.hour_start`,
      [
        late.map((h) => h.meterId),
        late.map((h) => h.hourStart),
        late.map((h) => h.wh),
        late.map((h) => h.estimatedWh),
      ],
    );
  },

  /** Invoices with a negative total leave their negated total on the account as credit. */
  async creditNegativeTotals(tx: Queryable, invoices: readonly InvoiceIssuedV1[]): Promise<void> {
    const negative = invoices.filter((i) => creditFromNegativeTotal(i.totalMinor) > 0);
    if (negative.length === 0) return;
    await tx.query(
      `UPDATE billing_accounts a SET credit_minor = a.credit_minor + credited.amount
       FROM unnest($1::uuid[], $2::bigint[]) AS credited (account_id, amount) WHERE a.id = credited.account_id`,
      [negative.map((i) => i.accountId), negative.map((i) => creditFromNegativeTotal(i.totalMinor))],
    );
  },
};

/**
 * The period's own usage, and late usage grouped by the invoiced period it belongs to; each hour
 * as a measured row (`wh − estimatedWh`) and an estimated row (`estimatedWh`), those not 0.
 */
export function splitUnbilled(
  hours: readonly UnbilledHour[],
  period: BillingPeriod,
): { periodUsage: UsageHour[]; lateUsage: LateUsage[] } {
  const periodUsage: UsageHour[] = [];
  const late = new Map<number, { period: BillingPeriod; usage: UsageHour[] }>();
  for (const hour of hours) {
    const usage = measuredAndEstimated(hour);
    if (hour.hourStart >= period.start) {
      periodUsage.push(...usage);
    } else if (hour.invoicedPeriod) {
      const key = hour.invoicedPeriod.start.getTime();
      const entry = late.get(key) ?? { period: hour.invoicedPeriod, usage: [] };
      entry.usage.push(...usage);
      late.set(key, entry);
    }
  }
  return { periodUsage, lateUsage: [...late.values()] };
}

function measuredAndEstimated(hour: UnbilledHour): UsageHour[] {
  const estimatedWh = Number(hour.estimatedWh);
  const measuredWh = Number(hour.wh) - estimatedWh;
  const rows: UsageHour[] = [];
  const { meterId, hourStart } = hour;
  if (measuredWh !== 0) rows.push({ meterId, hourStart, wh: measuredWh });
  if (estimatedWh !== 0) rows.push({ meterId, hourStart, wh: estimatedWh, estimated: true });
  return rows;
}
