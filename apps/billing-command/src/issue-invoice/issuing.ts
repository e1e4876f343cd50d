import {
  BillingEventTypes,
  INVOICE_AGGREGATE,
  InvoiceIssuedV1,
  TariffCreatedV1,
} from '@voltstream/contracts';
import { BillingPeriod, decideIssueInvoice, tariffFromCreated } from '@voltstream/billing';
import { Queryable } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { BillingOutbox } from '../shared/billing-outbox';
import { AccountMeterRow, AccountRow } from '../shared/billing-store';
import { invoiceStore, splitUnbilled, UnbilledHour } from './invoice-store';

/** What issuing one account's invoice reads, locked in the issuer's transaction. */
export interface LockedForIssuing {
  account: AccountRow;
  tariff: TariffCreatedV1;
  meters: readonly AccountMeterRow[];
  unbilled: readonly UnbilledHour[];
  period: BillingPeriod;
}

/** An invoice decided and not yet recorded, with the account's number it takes and what it bills. */
export interface DecidedInvoice {
  invoice: InvoiceIssuedV1;
  sequence: number;
  unbilled: readonly UnbilledHour[];
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
  return { invoice, sequence: account.nextInvoiceSequence, unbilled };
}

/**
 * Records decided invoices in the caller's transaction: their rows and the numbers they take,
 * what they billed in the usage ledger (so a late reading is billed once, on the next invoice),
 * and one InvoiceIssued event each in the outbox.
 */
export async function recordInvoices(
  tx: Queryable,
  outbox: BillingOutbox,
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
  await outbox.emitEach(
    tx,
    decided.map(({ invoice }) => ({
      aggregate: { type: INVOICE_AGGREGATE, id: invoice.invoiceId, version: 1 },
      events: [{ type: BillingEventTypes.InvoiceIssued, schemaVersion: 1, payload: invoice }],
    })),
    actorId,
  );
}
