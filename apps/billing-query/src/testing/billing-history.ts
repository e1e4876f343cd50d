import { randomUUID } from 'node:crypto';
import {
  BILLING_ACCOUNT_AGGREGATE,
  BillingEventTypes,
  EventEnvelope,
  INVOICE_AGGREGATE,
  TARIFF_AGGREGATE,
} from '@voltstream/contracts';
import { newEnvelope } from '@voltstream/platform';

/** Billing events as billing-command publishes them, for the tests of this read side. */
export interface BillingHistory {
  tariffId: string;
  accountId: string;
  invoiceId: string;
  meterIds: string[];
  events: EventEnvelope[];
}

export function tariffCreated(tariffId = randomUUID()): EventEnvelope {
  return newEnvelope({
    type: BillingEventTypes.TariffCreated,
    schemaVersion: 1,
    aggregateType: TARIFF_AGGREGATE,
    aggregateId: tariffId,
    aggregateVersion: 1,
    payload: {
      tariffId,
      name: 'Two rates',
      currency: 'EUR',
      standingChargePerDayMinor: 50,
      rates: [
        { fromHour: 0, toHour: 7, pricePerKwhMinor: 12 },
        { fromHour: 7, toHour: 24, pricePerKwhMinor: 30 },
      ],
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  });
}

export function accountOpened(accountId: string, ownerId: string, tariffId: string, meterIds: string[]) {
  return newEnvelope({
    type: BillingEventTypes.BillingAccountOpened,
    schemaVersion: 1,
    aggregateType: BILLING_ACCOUNT_AGGREGATE,
    aggregateId: accountId,
    aggregateVersion: 1,
    payload: {
      accountId,
      ownerId,
      tariffId,
      meterIds,
      invoicePrefix: 'ACME',
      openedAt: '2026-01-02T00:00:00.000Z',
    },
  });
}

export interface IssuedInvoice {
  invoiceId?: string;
  accountId: string;
  ownerId: string;
  sequence: number;
  totalMinor: number;
  /** The period is the calendar month (UTC) before; issued on its first day. */
  month: string;
}

export function invoiceIssued(invoice: IssuedInvoice): EventEnvelope {
  const invoiceId = invoice.invoiceId ?? randomUUID();
  const start = new Date(`${invoice.month}-01T00:00:00.000Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  const standing = Math.min(invoice.totalMinor, 700);
  return newEnvelope({
    type: BillingEventTypes.InvoiceIssued,
    schemaVersion: 1,
    aggregateType: INVOICE_AGGREGATE,
    aggregateId: invoiceId,
    aggregateVersion: 1,
    payload: {
      invoiceId,
      accountId: invoice.accountId,
      ownerId: invoice.ownerId,
      number: `ACME-${String(invoice.sequence).padStart(6, '0')}`,
      periodStart: start.toISOString(),
      periodEnd: end.toISOString(),
      currency: 'EUR',
      lines: [
        {
          kind: 'USAGE',
          description: 'Meter SN-1 · 00:00–07:00 @ 12/kWh',
          meterId: null,
          quantityWh: 25_000,
          amountMinor: invoice.totalMinor - standing,
        },
        {
          kind: 'STANDING_CHARGE',
          description: 'Standing charge',
          meterId: null,
          quantityWh: null,
          amountMinor: standing,
        },
      ],
      totalMinor: invoice.totalMinor,
      status: invoice.totalMinor === 0 ? 'PAID' : 'ISSUED',
      issuedAt: new Date(end.getTime() + 6 * 3600_000).toISOString(),
      dueAt: new Date(end.getTime() + 14 * 86_400_000).toISOString(),
    },
  });
}

/** A payment event on an invoice: the invoice's next version. */
export function paymentEvent(
  invoice: { invoiceId: string; accountId: string },
  aggregateVersion: number,
  type: string,
  payment: { paymentId: string; amountMinor: number },
  rest: Record<string, unknown>,
): EventEnvelope {
  return newEnvelope({
    type,
    schemaVersion: 1,
    aggregateType: INVOICE_AGGREGATE,
    aggregateId: invoice.invoiceId,
    aggregateVersion,
    payload: {
      ...payment,
      invoiceId: invoice.invoiceId,
      accountId: invoice.accountId,
      currency: 'EUR',
      ...rest,
    },
  });
}

/**
 * A customer's billing: a tariff, an account on two meters, and an invoice of 10.00 EUR paid in
 * three attempts (4.00 succeeds, 6.00 fails, 6.00 succeeds): invoice versions 1 to 7.
 */
export function billingHistory(ownerId = 'alice'): BillingHistory {
  const tariffId = randomUUID();
  const accountId = randomUUID();
  const invoiceId = randomUUID();
  const meterIds = [randomUUID(), randomUUID()];
  const invoice = { invoiceId, accountId };
  const [first, second, third] = [400, 600, 600].map((amountMinor) => ({
    paymentId: randomUUID(),
    amountMinor,
  }));
  const day = (d: number, s = 0) => `2026-02-0${d}T00:00:0${s}.000Z`;
  const events = [
    tariffCreated(tariffId),
    accountOpened(accountId, ownerId, tariffId, meterIds),
    invoiceIssued({ invoiceId, accountId, ownerId, sequence: 1, totalMinor: 1000, month: '2026-01' }),
    paymentEvent(invoice, 2, BillingEventTypes.PaymentRequested, first, {
      status: 'PENDING',
      requestedAt: day(2),
    }),
    paymentEvent(invoice, 3, BillingEventTypes.PaymentSucceeded, first, {
      status: 'SUCCEEDED',
      succeededAt: day(2, 5),
      invoiceStatus: 'PARTIALLY_PAID',
      amountDueMinor: 600,
    }),
    paymentEvent(invoice, 4, BillingEventTypes.PaymentRequested, second, {
      status: 'PENDING',
      requestedAt: day(3),
    }),
    paymentEvent(invoice, 5, BillingEventTypes.PaymentFailed, second, {
      status: 'FAILED',
      reason: 'card declined',
      failedAt: day(3, 5),
      invoiceStatus: 'PARTIALLY_PAID',
      amountDueMinor: 600,
    }),
    paymentEvent(invoice, 6, BillingEventTypes.PaymentRequested, third, {
      status: 'PENDING',
      requestedAt: day(4),
    }),
    paymentEvent(invoice, 7, BillingEventTypes.PaymentSucceeded, third, {
      status: 'SUCCEEDED',
      succeededAt: day(4, 5),
      invoiceStatus: 'PAID',
      amountDueMinor: 0,
    }),
  ];
  return { tariffId, accountId, invoiceId, meterIds, events };
}

/**
 * A customer's billing where the invoice of 10.00 EUR is paid 4.00 and then voided: invoice
 * versions 1 to 4, and a credit note of -10.00 that leaves the 4.00 paid as account credit, which
 * the next invoice (events[6..7]) uses at once.
 */
export function voidedHistory(ownerId = 'alice'): BillingHistory {
  const history = billingHistory(ownerId);
  const { accountId, invoiceId } = history;
  const issued = history.events[2];
  const voided = newEnvelope({
    type: BillingEventTypes.InvoiceVoided,
    schemaVersion: 1,
    aggregateType: INVOICE_AGGREGATE,
    aggregateId: invoiceId,
    aggregateVersion: 4,
    payload: {
      invoiceId,
      accountId,
      ownerId,
      invoiceNumber: 'ACME-000001',
      reason: 'billed the wrong meter',
      voidedAt: '2026-02-03T00:00:00.000Z',
      creditNoteId: randomUUID(),
      creditNoteNumber: 'CN-2026-000001',
      currency: 'EUR',
      lines: (issued.payload as { lines: { amountMinor: number }[] }).lines.map((line) => ({
        ...line,
        amountMinor: -line.amountMinor,
      })),
      totalMinor: -1000,
      accountCreditMinor: 400,
    },
  });
  // The next invoice uses the 4.00 of credit at once: its version 2.
  const next = invoiceIssued({ accountId, ownerId, sequence: 2, totalMinor: 1000, month: '2026-02' });
  const creditApplied = newEnvelope({
    type: BillingEventTypes.AccountCreditApplied,
    schemaVersion: 1,
    aggregateType: INVOICE_AGGREGATE,
    aggregateId: next.aggregateId,
    aggregateVersion: 2,
    payload: {
      invoiceId: next.aggregateId,
      accountId,
      amountMinor: 400,
      currency: 'EUR',
      appliedAt: '2026-03-01T06:00:00.000Z',
      invoiceStatus: 'PARTIALLY_PAID',
      amountDueMinor: 600,
    },
  });
  return { ...history, events: [...history.events.slice(0, 5), voided, next, creditApplied] };
}
