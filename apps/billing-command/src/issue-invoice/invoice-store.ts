import { InvoiceIssuedV1 } from '@voltstream/contracts';
import { BillingPeriod, InvoiceState, LateUsage, UsageHour } from '@voltstream/billing';
import { Queryable } from '@voltstream/platform';

/** Usage not yet billed, as the ledger holds it: an hour of a meter, in an invoiced period or not. */
export interface UnbilledHour {
  meterId: string;
  hourStart: Date;
  /** Wh still to bill (text: bigint). */
  wh: string;
  /** The invoiced period the hour falls in, when it came late; else null. */
  invoicedPeriod: BillingPeriod | null;
}

/** The SQL of issuing one invoice; each statement runs in the issuer's transaction. */
export const invoiceStore = {
  async overlapsAnInvoice(tx: Queryable, accountId: string, period: BillingPeriod): Promise<boolean> {
    const rows = await tx.query<unknown[]>(
      `SELECT 1 FROM invoices WHERE account_id = $1 AND tstzrange(period_start, period_end) && tstzrange($2, $3)`,
      [accountId, period.start, period.end],
    );
    return rows.length > 0;
  },

  /**
   * Unbilled usage up to the period's end: inside the period, or inside an earlier invoice's
   * period (late readings). The rows stay locked until the transaction ends, so `markBilled`
   * bills exactly these.
   */
  async lockUnbilled(tx: Queryable, accountId: string, period: BillingPeriod): Promise<UnbilledHour[]> {
    const rows = await tx.query<
      { meter_id: string; hour_start: Date; wh: string; period_start: Date | null; period_end: Date | null }[]
    >(
      `SELECT u.meter_id, u.hour_start, (u.wh - u.invoiced_wh)::text AS wh, i.period_start, i.period_end
       FROM usage_hourly u
       JOIN account_meters am ON am.meter_id = u.meter_id AND am.account_id = $1
       LEFT JOIN invoices i ON i.account_id = $1 AND u.hour_start >= i.period_start AND u.hour_start < i.period_end
       WHERE u.wh > u.invoiced_wh AND u.hour_start < $3
         AND (u.hour_start >= $2 OR i.id IS NOT NULL)
       FOR UPDATE OF u`,
      [accountId, period.start, period.end],
    );
    return rows.map((row) => ({
      meterId: row.meter_id,
      hourStart: row.hour_start,
      wh: row.wh,
      invoicedPeriod:
        row.period_start && row.period_end ? { start: row.period_start, end: row.period_end } : null,
    }));
  },

  /** The invoice row, and the account's next number taken. */
  async insert(
    tx: Queryable,
    invoice: InvoiceIssuedV1,
    account: { id: string; ownerId: string; sequence: number },
  ): Promise<void> {
    await tx.query(
      'UPDATE billing_accounts SET next_invoice_sequence = next_invoice_sequence + 1 WHERE id = $1',
      [account.id],
    );
    await tx.query(
      `INSERT INTO invoices (id, account_id, owner_id, sequence, number, period_start, period_end, currency,
         lines, total_minor, status, issued_at, due_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)`,
      [
        invoice.invoiceId,
        account.id,
        account.ownerId,
        account.sequence,
        invoice.number,
        invoice.periodStart,
        invoice.periodEnd,
        invoice.currency,
        JSON.stringify(invoice.lines),
        invoice.totalMinor,
        invoice.status,
        invoice.issuedAt,
        invoice.dueAt,
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

  /** The ledger records what the invoice billed, so a late reading is billed once, next time. */
  async markBilled(tx: Queryable, hours: readonly UnbilledHour[]): Promise<void> {
    if (hours.length === 0) return;
    await tx.query(
      `UPDATE usage_hourly u SET invoiced_wh = u.invoiced_wh + billed.wh
       FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS billed (meter_id, hour_start, wh)
       WHERE u.meter_id = billed.meter_id AND u.hour_start = billed.hour_start`,
      [hours.map((h) => h.meterId), hours.map((h) => h.hourStart), hours.map((h) => h.wh)],
    );
  },
};

/** The period's own usage, and late usage grouped by the invoiced period it belongs to. */
export function splitUnbilled(
  hours: readonly UnbilledHour[],
  period: BillingPeriod,
): { periodUsage: UsageHour[]; lateUsage: LateUsage[] } {
  const periodUsage: UsageHour[] = [];
  const late = new Map<number, { period: BillingPeriod; usage: UsageHour[] }>();
  for (const hour of hours) {
    const usage = { meterId: hour.meterId, hourStart: hour.hourStart, wh: Number(hour.wh) };
    if (hour.hourStart >= period.start) {
      periodUsage.push(usage);
    } else if (hour.invoicedPeriod) {
      const key = hour.invoicedPeriod.start.getTime();
      const entry = late.get(key) ?? { period: hour.invoicedPeriod, usage: [] };
      entry.usage.push(usage);
      late.set(key, entry);
    }
  }
  return { periodUsage, lateUsage: [...late.values()] };
}
