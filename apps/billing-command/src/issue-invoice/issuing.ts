import {
  BillingEvent,
  BillingEventTypes,
  INVOICE_AGGREGATE,
  InvoiceIssuedV1,
  InvoiceStatus,
  TariffCreatedV1,
} from '@voltstream/contracts';
import {
  amountDueMinor,
  applyAccountCredit,
  BillingPeriod,
  decideIssueInvoice,
  invoiceFromIssued,
  tariffFromCreated,
} from '@voltstream/billing';
import { EventOutbox, Queryable } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { AccountMeterRow, AccountRow } from '../shared/billing-store';
import { invoiceStore, splitUnbilled, UnbilledHours } from './invoice-store';

/** What issuing one account's invoice reads, locked in the issuer's transaction. */
export interface LockedForIssuing {
  account: AccountRow;
  tariff: TariffCreatedV1;
  meters: readonly AccountMeterRow[];
  unbilled: readonly UnbilledHours[];
  period: BillingPeriod;
}

/** An invoice decided and not yet recorded, with the account's number it takes and what it bills. */
export interface DecidedInvoice {
  invoice: InvoiceIssuedV1;
  sequence: number;
  unbilled: readonly UnbilledHours[];
  /** Account credit (left by voided invoices) that pays part of it at once, if the account has any. */
  credit: ReturnType<typeof applyAccountCredit>;
  /** Its events: InvoiceIssued, then AccountCreditApplied when credit pays part of it. */
  events: BillingEvent[];
  /** What is due and its status once recorded (after the credit). */
  now: { amountDueMinor: number; status: InvoiceStatus };
}

/** Prices the account's locked unbilled usage for the period (the domain rule: decideIssueInvoice). */
export function decideInvoice(
  locked: LockedForIssuing,
  issuedAt: Date,
  paymentTermDays: number,
): DecidedInvoice {
  const { account, tariff, meters, unbilled, period } = locked;
  const invoice = decideIssueInvoice({
    type: 'IssueInvoice',
    invoiceId: randomUUID(),
    account: { accountId: account.id, ownerId: account.ownerId, invoicePrefix: account.invoicePrefix },
    sequence: account.nextInvoiceSequence,
    tariff: tariffFromCreated(tariff),
    meters: meters.map(({ meterId, serialNumber, timezone }) => ({ meterId, serialNumber, timezone })),
    period,
    ...splitUnbilled(unbilled, period),
    issuedAt,
    paymentTermDays,
  });
  const credit = applyAccountCredit(invoiceFromIssued(invoice), account.creditMinor, issuedAt);
  const events: BillingEvent[] = [
    { type: BillingEventTypes.InvoiceIssued, schemaVersion: 1, payload: invoice },
  ];
  if (credit)
    events.push({ type: BillingEventTypes.AccountCreditApplied, schemaVersion: 1, payload: credit.event });
  const state = credit?.invoice ?? invoiceFromIssued(invoice);
  return {
    invoice,
    sequence: account.nextInvoiceSequence,
    unbilled,
    credit,
    events,
    now: { amountDueMinor: amountDueMinor(state), status: state.status },
  };
}

/**
 * Records decided invoices in the caller's transaction: their rows and the numbers they take,
 * what they billed in the usage ledger (so a late reading is billed once, on the next invoice),
 * the account credit each uses or, for a negative total (corrections outweighing the rest), leaves
 * (no statement unless one is negative), and their events in the outbox (the invoice's version 2
 * when credit paid part of it).
 */
export async function recordInvoices(
  tx: Queryable,
  outbox: EventOutbox,
  decided: readonly DecidedInvoice[],
  actorId: string | null,
): Promise<void> {
  await invoiceStore.insertAll(
    tx,
    decided.map((d) => d.invoice),
    decided.map((d) => d.sequence),
  );
  await invoiceStore.markBilled(
    tx,
    decided.flatMap((d) => d.unbilled),
  );
  await invoiceStore.creditNegativeTotals(
    tx,
    decided.map((d) => d.invoice),
  );
  for (const { credit } of decided)
    if (credit) await invoiceStore.useCredit(tx, credit.invoice, credit.event.amountMinor);
  await outbox.emit(
    tx,
    decided.map(({ invoice, events }) => ({
      aggregate: { type: INVOICE_AGGREGATE, id: invoice.invoiceId, version: events.length },
      events,
    })),
    { actorId },
  );
}
