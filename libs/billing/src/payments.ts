import {
  BillingEventTypes,
  DomainError,
  PaymentFailedEvent,
  PaymentRequestedEvent,
  PaymentSucceededEvent,
} from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import {
  amountDueMinor,
  evolveInvoice,
  evolvePayment,
  InvoiceEvent,
  InvoiceState,
  nextStatus,
  Payment,
  payableMinor,
} from './invoice-state';
import { Money } from './money';

export interface RequestPayment {
  type: 'RequestPayment';
  paymentId: string;
  amount: Money;
  now: Date;
}

export type PaymentOutcome =
  { status: 'SUCCEEDED'; at: Date } | { status: 'FAILED'; reason: string; at: Date };

export interface SettlePayment {
  type: 'SettlePayment';
  payment: Payment;
  outcome: PaymentOutcome;
}

export type InvoiceCommand = RequestPayment | SettlePayment;

export interface InvoiceDecision {
  invoice: InvoiceState;
  payment: Payment;
  /** Empty when the command changed nothing (a repeated webhook). */
  events: InvoiceEvent[];
}

/** Accepts 0 < amount ≤ amountDue − pending in the invoice's currency, as a PENDING payment. */
export function decidePayment(invoice: InvoiceState, command: RequestPayment): InvoiceDecision {
  const { amountMinor, currency } = command.amount;
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw fieldError(
      'amount.amountMinor',
      BillingErrorCodes.invalidAmount,
      'a whole number of minor units above 0',
    );
  }
  if (currency !== invoice.currency) {
    throw fieldError(
      'amount.currency',
      BillingErrorCodes.currencyMismatch,
      `the invoice is in ${invoice.currency}`,
    );
  }
  if (invoice.status === 'VOID') throw new DomainError(BillingErrorCodes.invoiceVoid, 'the invoice is void');
  if (amountDueMinor(invoice) <= 0) {
    throw new DomainError(BillingErrorCodes.invoiceAlreadyPaid, 'the invoice is already paid');
  }
  const payable = payableMinor(invoice);
  if (amountMinor > payable) {
    throw fieldError(
      'amount.amountMinor',
      BillingErrorCodes.paymentExceedsDue,
      `at most ${payable} (${amountDueMinor(invoice)} due, ${invoice.pendingMinor} in pending payments)`,
    );
  }
  const event: PaymentRequestedEvent = {
    type: BillingEventTypes.PaymentRequested,
    schemaVersion: 1,
    payload: {
      paymentId: command.paymentId,
      invoiceId: invoice.invoiceId,
      accountId: invoice.accountId,
      amountMinor,
      currency,
      status: 'PENDING',
      requestedAt: command.now.toISOString(),
    },
  };
  return { invoice: evolveInvoice(invoice, event), payment: evolvePayment(null, event), events: [event] };
}

/**
 * Applies the provider's verdict once; settling a settled payment again changes nothing. Pass the
 * payment as stored (locked with its invoice): its status is what makes a repeated webhook a no-op.
 */
export function settlePayment(
  invoice: InvoiceState,
  payment: Payment,
  outcome: PaymentOutcome,
): InvoiceDecision {
  if (payment.status !== 'PENDING') return { invoice, payment, events: [] };
  if (payment.invoiceId !== invoice.invoiceId || invoice.pendingMinor < payment.amountMinor) {
    throw new DomainError(BillingErrorCodes.paymentNotPending, 'the payment is not pending on this invoice');
  }
  const fields = {
    paymentId: payment.paymentId,
    invoiceId: invoice.invoiceId,
    accountId: invoice.accountId,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
  };
  let event: PaymentSucceededEvent | PaymentFailedEvent;
  if (outcome.status === 'SUCCEEDED') {
    const succeededMinor = invoice.succeededMinor + payment.amountMinor;
    event = {
      type: BillingEventTypes.PaymentSucceeded,
      schemaVersion: 1,
      payload: {
        ...fields,
        status: 'SUCCEEDED',
        succeededAt: outcome.at.toISOString(),
        invoiceStatus: nextStatus(invoice, succeededMinor),
        amountDueMinor: invoice.totalMinor - succeededMinor,
      },
    };
  } else {
    event = {
      type: BillingEventTypes.PaymentFailed,
      schemaVersion: 1,
      payload: {
        ...fields,
        status: 'FAILED',
        reason: outcome.reason.trim().slice(0, 500) || 'unspecified',
        failedAt: outcome.at.toISOString(),
        invoiceStatus: invoice.status,
        amountDueMinor: amountDueMinor(invoice),
      },
    };
  }
  return { invoice: evolveInvoice(invoice, event), payment: evolvePayment(payment, event), events: [event] };
}

export function decideInvoice(invoice: InvoiceState, command: InvoiceCommand): InvoiceDecision {
  switch (command.type) {
    case 'RequestPayment':
      return decidePayment(invoice, command);
    case 'SettlePayment':
      return settlePayment(invoice, command.payment, command.outcome);
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

const fieldError = (path: string, code: string, message: string): DomainError =>
  DomainError.fromFieldErrors([{ path, code, message }]);
