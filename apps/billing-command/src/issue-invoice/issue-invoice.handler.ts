import {
  BillingEventTypes,
  DomainError,
  encodeConsistencyToken,
  ErrorCodes,
  INVOICE_AGGREGATE,
  InvoiceIssuedV1,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import {
  BillingPeriod,
  decideIssueInvoice,
  LateUsage,
  tariffFromCreated,
  UsageHour,
  validatePeriod,
} from '@voltstream/billing';
import { Caller, Queryable, requireAdmin } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isConstraintViolation } from '../shared/access';
import { BillingOutbox } from '../shared/billing-outbox';
import { billingStore } from '../shared/billing-store';

export interface IssuedInvoice {
  invoice: InvoiceIssuedV1;
  consistencyToken: string;
}

interface UnbilledRow {
  meter_id: string;
  hour_start: Date;
  wh: string;
  period_start: Date | null;
  period_end: Date | null;
}

/**
 * Issues one invoice for an account and period in one transaction: the account row is locked
 * (so numbers are sequential without gaps and two issuers cannot both bill a period), the
 * period's unbilled usage and any late usage of earlier invoiced periods are priced, and the
 * ledger records what was billed — so a late reading is billed once, on the next invoice.
 */
export class IssueInvoiceHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: BillingOutbox,
    private readonly paymentTermDays: number,
  ) {}

  async execute(caller: Caller, accountId: string, period: BillingPeriod): Promise<IssuedInvoice> {
    requireAdmin(caller);
    return this.issue(accountId, period, caller.userId);
  }

  /** Also used by the scheduler, which acts for the system (no caller). */
  async issue(accountId: string, period: BillingPeriod, actorId: string | null): Promise<IssuedInvoice> {
    validatePeriod(period);
    if (!UUID_PATTERN.test(accountId)) throw notFound('billing account');
    try {
      const invoice = await this.db.transaction((tx) => this.issueIn(tx, accountId, period, actorId));
      return {
        invoice,
        consistencyToken: encodeConsistencyToken({
          aggregateType: INVOICE_AGGREGATE,
          aggregateId: invoice.invoiceId,
          version: 1,
        }),
      };
    } catch (error) {
      if (isConstraintViolation(error, 'invoices_no_overlap')) throw alreadyInvoiced();
      throw error;
    }
  }

  private async issueIn(
    tx: Queryable,
    accountId: string,
    period: BillingPeriod,
    actorId: string | null,
  ): Promise<InvoiceIssuedV1> {
    const account = await billingStore.lockAccount(tx, accountId);
    if (!account) throw notFound('billing account');
    const overlapping = await tx.query<unknown[]>(
      `SELECT 1 FROM invoices WHERE account_id = $1 AND tstzrange(period_start, period_end) && tstzrange($2, $3)`,
      [accountId, period.start, period.end],
    );
    if (overlapping.length > 0) throw alreadyInvoiced();
    const tariffEvent = await billingStore.tariff(tx, account.tariffId);
    if (!tariffEvent) throw new Error(`account ${accountId} has no tariff ${account.tariffId}`);
    const meters = await billingStore.accountMeters(tx, accountId);

    // Unbilled usage up to the period's end: inside the period, or inside an earlier invoice's
    // period (late readings). Rows are locked so the ledger update below bills exactly these.
    const rows = await tx.query<UnbilledRow[]>(
      `SELECT u.meter_id, u.hour_start, (u.wh - u.invoiced_wh)::text AS wh, i.period_start, i.period_end
       FROM usage_hourly u
       JOIN account_meters am ON am.meter_id = u.meter_id AND am.account_id = $1
       LEFT JOIN invoices i ON i.account_id = $1 AND u.hour_start >= i.period_start AND u.hour_start < i.period_end
       WHERE u.wh > u.invoiced_wh AND u.hour_start < $3
         AND (u.hour_start >= $2 OR i.id IS NOT NULL)
       FOR UPDATE OF u`,
      [accountId, period.start, period.end],
    );
    const periodUsage: UsageHour[] = [];
    const late = new Map<string, LateUsage & { usage: UsageHour[] }>();
    for (const row of rows) {
      const usage = { meterId: row.meter_id, hourStart: row.hour_start, wh: Number(row.wh) };
      if (row.hour_start >= period.start) {
        periodUsage.push(usage);
      } else if (row.period_start && row.period_end) {
        const key = row.period_start.toISOString();
        const entry = late.get(key) ?? {
          period: { start: row.period_start, end: row.period_end },
          usage: [],
        };
        entry.usage.push(usage);
        late.set(key, entry);
      }
    }
    const invoice = decideIssueInvoice({
      type: 'IssueInvoice',
      invoiceId: randomUUID(),
      account: { accountId, ownerId: account.ownerId, invoicePrefix: account.invoicePrefix },
      sequence: account.nextInvoiceSequence,
      tariff: tariffFromCreated(tariffEvent),
      meters: meters.map(({ meterId, serialNumber, timezone }) => ({ meterId, serialNumber, timezone })),
      period,
      periodUsage,
      lateUsage: [...late.values()],
      issuedAt: new Date(),
      paymentTermDays: this.paymentTermDays,
    });

    await tx.query(
      'UPDATE billing_accounts SET next_invoice_sequence = next_invoice_sequence + 1 WHERE id = $1',
      [accountId],
    );
    await tx.query(
      `INSERT INTO invoices (id, account_id, owner_id, sequence, number, period_start, period_end, currency,
         lines, total_minor, status, issued_at, due_at, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)`,
      [
        invoice.invoiceId,
        accountId,
        account.ownerId,
        account.nextInvoiceSequence,
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
    if (rows.length > 0) {
      await tx.query(
        `UPDATE usage_hourly u SET invoiced_wh = u.invoiced_wh + billed.wh
         FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS billed (meter_id, hour_start, wh)
         WHERE u.meter_id = billed.meter_id AND u.hour_start = billed.hour_start`,
        [rows.map((r) => r.meter_id), rows.map((r) => r.hour_start), rows.map((r) => r.wh)],
      );
    }
    await this.outbox.emit(
      tx,
      { type: INVOICE_AGGREGATE, id: invoice.invoiceId, version: 1 },
      [{ type: BillingEventTypes.InvoiceIssued, schemaVersion: 1, payload: invoice }],
      actorId,
    );
    return invoice;
  }
}

const alreadyInvoiced = () =>
  new DomainError(ErrorCodes.conflict, 'this account already has an invoice for (part of) that period');
