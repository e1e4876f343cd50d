import {
  BillingEvent,
  BillingEventTypes,
  DomainError,
  encodeConsistencyToken,
  ErrorCodes,
  INVOICE_AGGREGATE,
  InvoiceIssuedV1,
  InvoiceStatus,
  notFound,
  UUID_PATTERN,
} from '@voltstream/contracts';
import {
  amountDueMinor,
  applyAccountCredit,
  BillingPeriod,
  decideIssueInvoice,
  invoiceFromIssued,
  tariffFromCreated,
  validatePeriod,
} from '@voltstream/billing';
import { Caller, Queryable, requireAdmin } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isConstraintViolation } from '../shared/access';
import { BillingOutbox } from '../shared/billing-outbox';
import { billingStore } from '../shared/billing-store';
import { invoiceStore, splitUnbilled } from './invoice-store';

export interface IssuedInvoice {
  invoice: InvoiceIssuedV1;
  /** After the account's credit, if it had any: what is due and the status. */
  now: { amountDueMinor: number; status: InvoiceStatus };
  consistencyToken: string;
}

/** Issues one invoice for an account and period, in one transaction (`issueIn`). */
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
      const { invoice, now, version } = await this.db.transaction((tx) =>
        this.issueIn(tx, accountId, period, actorId),
      );
      return {
        invoice,
        now,
        consistencyToken: encodeConsistencyToken({
          aggregateType: INVOICE_AGGREGATE,
          aggregateId: invoice.invoiceId,
          version,
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
    actorId: string | null,
  ): Promise<{ invoice: InvoiceIssuedV1; now: IssuedInvoice['now']; version: number }> {
    const account = await billingStore.lockAccount(tx, accountId);
    if (!account) throw notFound('billing account');
    if (await invoiceStore.overlapsAnInvoice(tx, accountId, period)) throw alreadyInvoiced();
    const tariffEvent = await billingStore.tariff(tx, account.tariffId);
    if (!tariffEvent) throw new Error(`account ${accountId} has no tariff ${account.tariffId}`);
    const meters = await billingStore.accountMeters(tx, accountId);
    const unbilled = await invoiceStore.lockUnbilled(tx, accountId, period);

    const invoice = decideIssueInvoice({
      type: 'IssueInvoice',
      invoiceId: randomUUID(),
      account: { accountId, ownerId: account.ownerId, invoicePrefix: account.invoicePrefix },
      sequence: account.nextInvoiceSequence,
      tariff: tariffFromCreated(tariffEvent),
      meters: meters.map(({ meterId, serialNumber, timezone }) => ({ meterId, serialNumber, timezone })),
      period,
      ...splitUnbilled(unbilled, period),
      issuedAt: new Date(),
      paymentTermDays: this.paymentTermDays,
    });

    await invoiceStore.insert(tx, invoice, {
      id: accountId,
      ownerId: account.ownerId,
      sequence: account.nextInvoiceSequence,
    });
    await invoiceStore.markBilled(tx, unbilled);
    const events: BillingEvent[] = [
      { type: BillingEventTypes.InvoiceIssued, schemaVersion: 1, payload: invoice },
    ];
    const credit = applyAccountCredit(
      invoiceFromIssued(invoice),
      account.creditMinor,
      new Date(invoice.issuedAt),
    );
    if (credit) {
      await invoiceStore.useCredit(tx, credit.invoice, credit.event.amountMinor);
      events.push({ type: BillingEventTypes.AccountCreditApplied, schemaVersion: 1, payload: credit.event });
    }
    const version = events.length;
    await this.outbox.emit(tx, { type: INVOICE_AGGREGATE, id: invoice.invoiceId, version }, events, actorId);
    const state = credit?.invoice ?? invoiceFromIssued(invoice);
    return {
      invoice,
      now: { amountDueMinor: amountDueMinor(state), status: state.status },
      version,
    };
  }
}

const alreadyInvoiced = () =>
  new DomainError(ErrorCodes.conflict, 'this account already has an invoice for (part of) that period');
