import {
  DomainError,
  encodeConsistencyToken,
  ErrorCodes,
  INVOICE_AGGREGATE,
  InvoiceIssuedV1,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { BillingPeriod, validatePeriod } from '@voltstream/billing';
import { Caller, EventOutbox, Queryable, requireAdmin } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { isConstraintViolation } from '../shared/access';
import { billingStore } from '../shared/billing-store';
import { invoiceStore } from './invoice-store';
import { DecidedInvoice, decideInvoice, recordInvoices } from './issuing';

export interface IssuedInvoice {
  invoice: InvoiceIssuedV1;
  /** After the account's credit, if it had any: what is due and the status. */
  now: DecidedInvoice['now'];
  consistencyToken: string;
}

/** Issues one invoice for an account and period, in one transaction (`issueIn`). */
export class IssueInvoiceHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly paymentTermDays: number,
  ) {}

  async execute(caller: Caller, accountId: string, period: BillingPeriod): Promise<IssuedInvoice> {
    requireAdmin(caller);
    return this.issue(accountId, period, caller.userId);
  }

  private async issue(accountId: string, period: BillingPeriod, actorId: string): Promise<IssuedInvoice> {
    validatePeriod(period);
    if (!UUID_PATTERN.test(accountId)) throw notFound('billing account');
    try {
      const { invoice, now, events } = await this.db.transaction((tx) =>
        this.issueIn(tx, accountId, period, actorId),
      );
      return {
        invoice,
        now,
        consistencyToken: encodeConsistencyToken({
          aggregateType: INVOICE_AGGREGATE,
          aggregateId: invoice.invoiceId,
          version: events.length,
        }),
      };
    } catch (error) {
      if (isConstraintViolation(error, 'invoices_no_overlap')) throw alreadyInvoiced();
      throw error;
    }
  }

  /**
   * The use case: lock the account (numbers stay sequential and gapless, and two issuers cannot
   * both bill a period), refuse a period already invoiced, price the period's unbilled usage and
   * any late usage of earlier periods, then record the invoice, what it billed (so a late reading
   * is billed once, on the next invoice), and its event. Account credit left by voided invoices
   * pays what it can of the new invoice at once (a second event, the invoice's version 2).
   */
  private async issueIn(
    tx: Queryable,
    accountId: string,
    period: BillingPeriod,
    actorId: string,
  ): Promise<DecidedInvoice> {
    const account = await billingStore.lockAccount(tx, accountId);
    if (!account) throw notFound('billing account');
    if (await invoiceStore.overlapsAnInvoice(tx, accountId, period)) throw alreadyInvoiced();
    const tariff = await billingStore.tariff(tx, account.tariffId);
    if (!tariff) throw new Error(`account ${accountId} has no tariff ${account.tariffId}`);
    const meters = await billingStore.accountMeters(tx, accountId);
    const unbilled = await invoiceStore.lockUnbilled(tx, accountId, period);
    const decided = decideInvoice(
      { account, tariff, meters, unbilled, period },
      new Date(),
      this.paymentTermDays,
    );
    await recordInvoices(tx, this.outbox, [decided], actorId);
    return decided;
  }
}

const alreadyInvoiced = () =>
  new DomainError(ErrorCodes.conflict, 'this account already has an invoice for (part of) that period');
