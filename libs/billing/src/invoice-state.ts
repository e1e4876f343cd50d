import {
  BillingEventTypes,
  InvoiceIssuedV1,
  InvoiceStatus,
  PaymentFailedEvent,
  PaymentRequestedEvent,
  PaymentStatus,
  PaymentSucceededEvent,
} from '@voltstream/contracts';
import { invoiceStatusOf } from './invoice';

/** What payments need of an invoice. Pending payments reserve their amount until settled. */
export interface InvoiceState {
  invoiceId: string;
  accountId: string;
  currency: string;
  totalMinor: number;
  succeededMinor: number;
  pendingMinor: number;
  status: InvoiceStatus;
}

export interface Payment {
  paymentId: string;
  invoiceId: string;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  failureReason: string | null;
}

export type InvoiceEvent = PaymentRequestedEvent | PaymentSucceededEvent | PaymentFailedEvent;

/** Never below 0: a negative total is paid on issue, its credit goes to the account. */
export const amountDueMinor = (invoice: InvoiceState): number =>
  Math.max(0, invoice.totalMinor - invoice.succeededMinor);
/** What a new payment may still ask for: the amount due less what pending payments reserve. */
export const payableMinor = (invoice: InvoiceState): number => amountDueMinor(invoice) - invoice.pendingMinor;

export function invoiceFromIssued(event: InvoiceIssuedV1): InvoiceState {
  return {
    invoiceId: event.invoiceId,
    accountId: event.accountId,
    currency: event.currency,
    totalMinor: event.totalMinor,
    succeededMinor: 0,
    pendingMinor: 0,
    status: event.status,
  };
}

export function evolveInvoice(invoice: InvoiceState, event: InvoiceEvent): InvoiceState {
  switch (event.type) {
    case BillingEventTypes.PaymentRequested:
      return { ...invoice, pendingMinor: invoice.pendingMinor + event.payload.amountMinor };
    case BillingEventTypes.PaymentSucceeded: {
      const succeededMinor = invoice.succeededMinor + event.payload.amountMinor;
      return {
        ...invoice,
        succeededMinor,
        pendingMinor: invoice.pendingMinor - event.payload.amountMinor,
        status: nextStatus(invoice, succeededMinor),
      };
    }
    case BillingEventTypes.PaymentFailed:
      return { ...invoice, pendingMinor: invoice.pendingMinor - event.payload.amountMinor };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export function evolvePayment(payment: Payment | null, event: InvoiceEvent): Payment {
  const { paymentId, invoiceId, amountMinor, currency } = event.payload;
  const base = payment ?? {
    paymentId,
    invoiceId,
    amountMinor,
    currency,
    status: 'PENDING',
    failureReason: null,
  };
  switch (event.type) {
    case BillingEventTypes.PaymentRequested:
      return base;
    case BillingEventTypes.PaymentSucceeded:
      return { ...base, status: 'SUCCEEDED' };
    case BillingEventTypes.PaymentFailed:
      return { ...base, status: 'FAILED', failureReason: event.payload.reason };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

/** The status after `succeededMinor` has been paid in total; a void invoice stays void. */
export const nextStatus = (invoice: InvoiceState, succeededMinor: number): InvoiceStatus =>
  invoice.status === 'VOID' ? 'VOID' : invoiceStatusOf(invoice.totalMinor, succeededMinor);
