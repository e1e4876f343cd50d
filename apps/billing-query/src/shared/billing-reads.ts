import { ConsistencyToken, INVOICE_AGGREGATE } from '@voltstream/contracts';
import { GraphQLContext, PerRequest, Queryable, RequestReads } from '@voltstream/platform';
import DataLoader from 'dataloader';
import { accountsOfMeters, findAccounts } from '../accounts/account-reads';
import { creditNotesOfInvoices, findCreditNotes } from '../credit-notes/credit-note-reads';
import { findInvoices, findPayments, linesOf, paymentsOf } from '../invoices/invoice-reads';
import { BillingQueryRuntime } from '../runtime';
import { findTariffs } from '../tariffs/tariff-reads';
import { waitForVersions, waitForWrite } from './consistency';
import {
  AccountView,
  CreditNoteView,
  inKeyOrder,
  InvoiceLineView,
  InvoiceView,
  PaymentView,
  TariffView,
} from './views';

/** An invoice as a request has already shown it: what hangs off it is read at that version or later. */
export interface ShownInvoice {
  id: string;
  version: number;
}

/**
 * The reads of one request (on one database, see RequestReads), batched by DataLoader; what
 * hangs off an invoice is read at the version the request showed, or later.
 */
export class BillingReads extends RequestReads {
  readonly tariffs = new DataLoader<string, TariffView | null>((ids) =>
    this.read((db) => findTariffs(db, ids)).then(inKeyOrder(ids)),
  );
  readonly accounts = new DataLoader<string, AccountView | null>((ids) =>
    this.read((db) => findAccounts(db, ids)).then(inKeyOrder(ids)),
  );
  readonly accountsOfMeters = new DataLoader<string, AccountView | null>(async (meterIds) => {
    const found = await this.read((db) => accountsOfMeters(db, meterIds));
    return meterIds.map((id) => found.get(id) ?? null);
  });
  readonly invoices = new DataLoader<string, InvoiceView | null>((ids) =>
    this.read((db) => findInvoices(db, ids)).then(inKeyOrder(ids)),
  );
  readonly payments = new DataLoader<string, PaymentView | null>((ids) =>
    this.read((db) => findPayments(db, ids)).then(inKeyOrder(ids)),
  );
  readonly linesOf = new DataLoader<ShownInvoice, InvoiceLineView[], string>(
    (shown) => this.readAtLeast(shown, (db, ids) => linesOf(db, ids), []),
    { cacheKeyFn: (invoice) => invoice.id },
  );
  readonly paymentsOf = new DataLoader<ShownInvoice, PaymentView[], string>(
    (shown) => this.readAtLeast(shown, (db, ids) => paymentsOf(db, ids), []),
    { cacheKeyFn: (invoice) => invoice.id },
  );

  readonly creditNotes = new DataLoader<string, CreditNoteView | null>((ids) =>
    this.read((db) => findCreditNotes(db, ids)).then(inKeyOrder(ids)),
  );
  readonly creditNoteOf = new DataLoader<ShownInvoice, CreditNoteView | null, string>(
    (shown) =>
      this.readAtLeast<CreditNoteView | null>(shown, (db, ids) => creditNotesOfInvoices(db, ids), null),
    { cacheKeyFn: (invoice) => invoice.id },
  );

  constructor(private readonly runtime: BillingQueryRuntime) {
    super(runtime.readSide);
  }

  /** Waits (bounded) until this request's database shows the write a token names, then reads. */
  async after<T>(write: ConsistencyToken | null, work: (db: Queryable) => Promise<T>): Promise<T> {
    return this.read(async (db) => {
      await waitForWrite(db, write, this.runtime.config.consistencyWaitMs);
      return work(db);
    });
  }

  private readAtLeast<T>(
    shown: readonly ShownInvoice[],
    work: (db: Queryable, ids: string[]) => Promise<Map<string, T>>,
    missing: T,
  ): Promise<T[]> {
    const versions = new Map(shown.map((invoice) => [invoice.id, invoice.version]));
    return this.read(async (db) => {
      await waitForVersions(db, INVOICE_AGGREGATE, versions, this.runtime.config.consistencyWaitMs);
      const found = await work(db, [...versions.keys()]);
      return shown.map((invoice) => found.get(invoice.id) ?? missing);
    });
  }
}

const sessions = new PerRequest<BillingReads>();

/** The reads of the request this context belongs to. */
export function readsOf(runtime: BillingQueryRuntime, context: GraphQLContext): BillingReads {
  return sessions.of(context, () => new BillingReads(runtime));
}
