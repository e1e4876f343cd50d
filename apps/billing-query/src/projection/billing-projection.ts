import {
  AccountCreditAppliedV1,
  BILLING_ACCOUNT_AGGREGATE,
  BillingAccountOpenedV1,
  BillingEvent,
  BillingEventTypes,
  EventEnvelope,
  INVOICE_AGGREGATE,
  InvoiceVoidedV1,
  parseBillingEvent,
  TARIFF_AGGREGATE,
  TariffCreatedV1,
} from '@voltstream/contracts';
import { ConsumedEvent, Projection, Queryable, UnapplicableEventError } from '@voltstream/platform';
import {
  InvoiceState,
  insertAccounts,
  insertCreditApplications,
  insertCreditNotes,
  insertInvoices,
  insertTariffs,
  loadInvoices,
  loadVersions,
  PaymentState,
  raiseRevisions,
  tariffCount,
  updateInvoices,
  upsertPayments,
} from './billing-writes';

export interface BillingProjectionResult {
  /** Account id → its revision after this batch, for the account cache. */
  accountRevisions: Map<string, number>;
  /** How many tariffs the read model holds, when this batch added any. */
  tariffCount: number | null;
  /** The newest state of every invoice this batch changed, for live subscribers. */
  invoices: InvoiceState[];
}

/** Which aggregate each event belongs to, and which payload field names it. */
const AGGREGATE_OF: Record<BillingEvent['type'], string> = {
  [BillingEventTypes.TariffCreated]: TARIFF_AGGREGATE,
  [BillingEventTypes.BillingAccountOpened]: BILLING_ACCOUNT_AGGREGATE,
  [BillingEventTypes.InvoiceIssued]: INVOICE_AGGREGATE,
  [BillingEventTypes.PaymentRequested]: INVOICE_AGGREGATE,
  [BillingEventTypes.PaymentSucceeded]: INVOICE_AGGREGATE,
  [BillingEventTypes.PaymentFailed]: INVOICE_AGGREGATE,
  [BillingEventTypes.InvoiceVoided]: INVOICE_AGGREGATE,
  [BillingEventTypes.AccountCreditApplied]: INVOICE_AGGREGATE,
};

/**
 * Projects billing events into tariffs, accounts, invoices and payments. Each event is applied
 * only above its aggregate's stored version, in the runner's transaction, so redelivery and
 * replay leave the same read model. Reads and writes are set-based: a batch costs a handful
 * of statements, whatever its size.
 */
export class BillingProjection implements Projection<BillingProjectionResult> {
  readonly name = 'billing-read-model';

  async apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<BillingProjectionResult> {
    const parsed = events.map(({ envelope }) => checked(envelope));
    const idsOf = (type: string) => [
      ...new Set(
        parsed
          .filter(({ envelope }) => envelope.aggregateType === type)
          .map(({ envelope }) => envelope.aggregateId),
      ),
    ];
    const tariffVersions = await loadVersions(tx, 'tariffs', idsOf(TARIFF_AGGREGATE));
    const accountVersions = await loadVersions(tx, 'accounts', idsOf(BILLING_ACCOUNT_AGGREGATE));
    const invoices = await loadInvoices(tx, idsOf(INVOICE_AGGREGATE));

    const tariffs: TariffCreatedV1[] = [];
    const accounts: BillingAccountOpenedV1[] = [];
    const changedInvoices = new Set<string>();
    const issued = new Set<string>();
    const payments = new Map<string, PaymentState>();
    const creditNotes: InvoiceVoidedV1[] = [];
    const creditApplications: AccountCreditAppliedV1[] = [];

    for (const { envelope, event } of parsed) {
      const id = envelope.aggregateId;
      const version = envelope.aggregateVersion;
      switch (event.type) {
        case BillingEventTypes.TariffCreated:
          if (version <= (tariffVersions.get(id) ?? 0)) continue;
          tariffVersions.set(id, version);
          tariffs.push(event.payload);
          break;
        case BillingEventTypes.BillingAccountOpened:
          if (version <= (accountVersions.get(id) ?? 0)) continue;
          accountVersions.set(id, version);
          accounts.push(event.payload);
          break;
        case BillingEventTypes.InvoiceIssued: {
          if (version <= (invoices.get(id)?.version ?? 0)) continue;
          const p = event.payload;
          // What is due is what has not succeeded yet; a zero invoice is issued PAID.
          invoices.set(id, {
            ...p,
            succeededMinor: 0,
            pendingMinor: 0,
            // A negative total (corrections outweighing the rest) is PAID on issue: nothing is due.
            amountDueMinor: Math.max(0, p.totalMinor),
            version,
          });
          issued.add(id);
          changedInvoices.add(id);
          break;
        }
        case BillingEventTypes.PaymentRequested:
        case BillingEventTypes.PaymentSucceeded:
        case BillingEventTypes.PaymentFailed: {
          const invoice = invoices.get(id);
          if (invoice && version <= invoice.version) continue;
          if (!invoice)
            throw new UnapplicableEventError(
              `${event.type} for invoice ${id}, which the read model does not know`,
            );
          applyPayment(invoice, payments, event);
          invoice.version = version;
          changedInvoices.add(id);
          break;
        }
        case BillingEventTypes.InvoiceVoided: {
          const invoice = invoices.get(id);
          if (invoice && version <= invoice.version) continue;
          if (!invoice) throw new UnapplicableEventError(`${event.type} for unknown invoice ${id}`);
          // Nothing is due on a void invoice; what was paid is the account's credit note's.
          invoice.status = 'VOID';
          invoice.amountDueMinor = 0;
          invoice.version = version;
          creditNotes.push(event.payload);
          changedInvoices.add(id);
          break;
        }
        case BillingEventTypes.AccountCreditApplied: {
          const invoice = invoices.get(id);
          if (invoice && version <= invoice.version) continue;
          if (!invoice) throw new UnapplicableEventError(`${event.type} for unknown invoice ${id}`);
          // Credit pays like a payment that succeeded at once.
          invoice.succeededMinor += event.payload.amountMinor;
          invoice.status = event.payload.invoiceStatus;
          invoice.amountDueMinor = event.payload.amountDueMinor;
          invoice.version = version;
          creditApplications.push(event.payload);
          changedInvoices.add(id);
          break;
        }
        default: {
          const exhaustive: never = event;
          throw new Error(`unhandled event ${String(exhaustive)}`);
        }
      }
    }

    await insertTariffs(tx, tariffs);
    await insertAccounts(tx, accounts);
    const changed = [...changedInvoices].map((id) => invoices.get(id)!);
    await insertInvoices(
      tx,
      changed.filter((invoice) => issued.has(invoice.invoiceId)),
    );
    await updateInvoices(
      tx,
      changed.filter((invoice) => !issued.has(invoice.invoiceId)),
    );
    await upsertPayments(tx, [...payments.values()]);
    await insertCreditNotes(tx, creditNotes);
    await insertCreditApplications(tx, creditApplications);
    const touchedAccounts = new Set([
      ...accounts.map((a) => a.accountId),
      ...changed.map((i) => i.accountId),
    ]);
    return {
      accountRevisions: await raiseRevisions(tx, [...touchedAccounts]),
      tariffCount: tariffs.length > 0 ? await tariffCount(tx) : null,
      invoices: changed,
    };
  }
}

type PaymentEvent = Extract<
  BillingEvent,
  { type: 'billing.PaymentRequested' | 'billing.PaymentSucceeded' | 'billing.PaymentFailed' }
>;

/** Pending payments reserve their amount; a settlement states the invoice it leaves behind. */
function applyPayment(invoice: InvoiceState, payments: Map<string, PaymentState>, event: PaymentEvent): void {
  const p = event.payload;
  const payment: PaymentState = payments.get(p.paymentId) ?? {
    paymentId: p.paymentId,
    invoiceId: p.invoiceId,
    accountId: p.accountId,
    amountMinor: p.amountMinor,
    currency: p.currency,
    status: 'PENDING',
    failureReason: null,
    createdAt:
      event.type === BillingEventTypes.PaymentRequested ? event.payload.requestedAt : settledAt(event),
    settledAt: null,
  };
  switch (event.type) {
    case BillingEventTypes.PaymentRequested:
      invoice.pendingMinor += p.amountMinor;
      break;
    case BillingEventTypes.PaymentSucceeded:
      invoice.pendingMinor = Math.max(0, invoice.pendingMinor - p.amountMinor);
      invoice.succeededMinor += p.amountMinor;
      invoice.status = event.payload.invoiceStatus;
      invoice.amountDueMinor = event.payload.amountDueMinor;
      payment.status = 'SUCCEEDED';
      payment.settledAt = event.payload.succeededAt;
      break;
    case BillingEventTypes.PaymentFailed:
      invoice.pendingMinor = Math.max(0, invoice.pendingMinor - p.amountMinor);
      invoice.status = event.payload.invoiceStatus;
      invoice.amountDueMinor = event.payload.amountDueMinor;
      payment.status = 'FAILED';
      payment.failureReason = event.payload.reason;
      payment.settledAt = event.payload.failedAt;
      break;
    default: {
      const exhaustive: never = event;
      throw new Error(`unhandled event ${String(exhaustive)}`);
    }
  }
  payments.set(p.paymentId, payment);
}

const settledAt = (event: Exclude<PaymentEvent, { type: 'billing.PaymentRequested' }>): string =>
  event.type === BillingEventTypes.PaymentSucceeded ? event.payload.succeededAt : event.payload.failedAt;

/** Parses the payload and refuses an envelope whose aggregate does not match it. */
function checked(envelope: EventEnvelope): { envelope: EventEnvelope; event: BillingEvent } {
  const event = parseBillingEvent(envelope.type, envelope.schemaVersion, envelope.payload);
  const expectedType = AGGREGATE_OF[event.type];
  const expectedId = aggregateIdOf(event);
  if (envelope.aggregateType !== expectedType || envelope.aggregateId !== expectedId) {
    throw new UnapplicableEventError(
      `${event.type} must travel as ${expectedType} ${expectedId}, not ${envelope.aggregateType} ${envelope.aggregateId}`,
    );
  }
  return { envelope, event };
}

function aggregateIdOf(event: BillingEvent): string {
  switch (event.type) {
    case BillingEventTypes.TariffCreated:
      return event.payload.tariffId;
    case BillingEventTypes.BillingAccountOpened:
      return event.payload.accountId;
    case BillingEventTypes.InvoiceIssued:
    case BillingEventTypes.PaymentRequested:
    case BillingEventTypes.PaymentSucceeded:
    case BillingEventTypes.PaymentFailed:
    case BillingEventTypes.InvoiceVoided:
    case BillingEventTypes.AccountCreditApplied:
      return event.payload.invoiceId;
    default: {
      const exhaustive: never = event;
      throw new Error(`unhandled event ${String(exhaustive)}`);
    }
  }
}
