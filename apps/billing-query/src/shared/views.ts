import { InvoiceStatus, PaymentStatus } from '@voltstream/contracts';
import { MoneyView } from './money';

/** DTOs shaped for GraphQL; `version`/`revision` are what the read model showed when read. */
export interface TariffView {
  id: string;
  name: string;
  currency: string;
  standingChargePerDay: MoneyView;
  rates: { fromHour: number; toHour: number; pricePerKwh: MoneyView }[];
  createdAt: Date;
  version: number;
}

export interface AccountView {
  id: string;
  ownerId: string;
  tariffId: string;
  meterIds: string[];
  openedAt: Date;
  version: number;
  /** Rises with every change to the account's invoices: the stamp of its cache entries. */
  revision: number;
}

export interface InvoiceLineView {
  description: string;
  quantityKwh: number | null;
  amount: MoneyView;
  estimated: boolean;
}

export interface InvoiceView {
  id: string;
  accountId: string;
  ownerId: string;
  number: string;
  periodStart: Date;
  periodEnd: Date;
  currency: string;
  /** Present when read with the invoice; a page of invoices leaves them to the `lines` field. */
  lines?: InvoiceLineView[];
  total: MoneyView;
  amountDue: MoneyView;
  status: InvoiceStatus;
  issuedAt: Date;
  dueAt: Date;
  version: number;
}

export interface PaymentView {
  id: string;
  invoiceId: string;
  ownerId: string;
  amount: MoneyView;
  status: PaymentStatus;
  failureReason: string | null;
  createdAt: Date;
}

export interface CreditNoteView {
  id: string;
  invoiceId: string;
  accountId: string;
  ownerId: string;
  number: string;
  reason: string;
  lines: InvoiceLineView[];
  total: MoneyView;
  accountCredit: MoneyView;
  issuedAt: Date;
}

export interface CreditNoteConnection {
  nodes: CreditNoteView[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface InvoiceConnection {
  nodes: InvoiceView[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Loaded rows in the order of the keys asked for, null where none was found. */
export const inKeyOrder =
  <T extends { id: string }>(ids: readonly string[]) =>
  (rows: readonly T[]): (T | null)[] => {
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  };
