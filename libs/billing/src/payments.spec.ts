import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError, paymentFailedV1, paymentRequestedV1, paymentSucceededV1 } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { codeOf } from './billing-spec-helpers';
import { decideIssueInvoice } from './invoice';
import { amountDueMinor, evolveInvoice, invoiceFromIssued, InvoiceState, Payment } from './invoice-state';
import { decideInvoice, decidePayment, PaymentOutcome, RequestPayment, settlePayment } from './payments';
import { createTariff } from './tariff';

const issued: InvoiceState = {
  invoiceId: 'e5000000-0000-4000-8000-000000000001',
  accountId: 'e5000000-0000-4000-8000-000000000002',
  currency: 'GBP',
  totalMinor: 1000,
  succeededMinor: 0,
  pendingMinor: 0,
  status: 'ISSUED',
};
const now = new Date('2026-07-02T09:00:00Z');
let nextId = 0;
const pay = (amountMinor: number, currency = 'GBP'): RequestPayment => ({
  type: 'RequestPayment',
  paymentId: `e5000000-0000-4000-8000-${String(++nextId).padStart(12, '0')}`,
  amount: { amountMinor, currency },
  now,
});
const succeeded: PaymentOutcome = { status: 'SUCCEEDED', at: now };
const failed: PaymentOutcome = { status: 'FAILED', reason: 'card declined', at: now };

/** Given an invoice, when a payment of `amount` is requested and settled with `outcome`. */
function paid(invoice: InvoiceState, amount: number, outcome: PaymentOutcome = succeeded) {
  const requested = decidePayment(invoice, pay(amount));
  return settlePayment(requested.invoice, requested.payment, outcome);
}

describe('requesting a payment', () => {
  it('accepts a partial payment as PENDING and reserves its amount', () => {
    const { invoice, payment, events } = decidePayment(issued, pay(400));
    assert.equal(payment.status, 'PENDING');
    assert.deepEqual([invoice.pendingMinor, invoice.succeededMinor, invoice.status], [400, 0, 'ISSUED']);
    assert.equal(events[0].type, 'billing.PaymentRequested');
    assert.deepEqual(paymentRequestedV1(events[0].payload, 'payload'), events[0].payload);
  });

  it('refuses a concurrent payment that pending payments leave no room for', () => {
    const first = decidePayment(issued, pay(700));
    assert.equal(
      codeOf(() => decidePayment(first.invoice, pay(301))),
      BillingErrorCodes.paymentExceedsDue,
    );
    assert.equal(
      codeOf(() => decidePayment(first.invoice, pay(300))),
      'accepted',
    );
  });

  it('refuses more than the amount due', () => {
    assert.equal(
      codeOf(() => decidePayment(issued, pay(1001))),
      BillingErrorCodes.paymentExceedsDue,
    );
    const partly = paid(issued, 600).invoice;
    assert.equal(
      codeOf(() => decidePayment(partly, pay(401))),
      BillingErrorCodes.paymentExceedsDue,
    );
  });

  it('refuses zero, negative and fractional amounts', () => {
    for (const amount of [0, -5, 1.5, Number.NaN]) {
      assert.equal(
        codeOf(() => decidePayment(issued, pay(amount))),
        BillingErrorCodes.invalidAmount,
        String(amount),
      );
    }
  });

  it('refuses a payment in another currency', () => {
    assert.equal(
      codeOf(() => decidePayment(issued, pay(100, 'EUR'))),
      BillingErrorCodes.currencyMismatch,
    );
  });

  it('refuses to pay a paid or void invoice', () => {
    assert.equal(
      codeOf(() => decidePayment(paid(issued, 1000).invoice, pay(1))),
      BillingErrorCodes.invoiceAlreadyPaid,
    );
    assert.equal(
      codeOf(() => decidePayment({ ...issued, status: 'VOID' }, pay(1))),
      BillingErrorCodes.invoiceVoid,
    );
  });
});

describe('settling a payment', () => {
  it('marks the invoice partially paid after a payment below the total', () => {
    const { invoice, events } = paid(issued, 400);
    assert.deepEqual(
      [invoice.succeededMinor, invoice.pendingMinor, invoice.status],
      [400, 0, 'PARTIALLY_PAID'],
    );
    assert.equal(amountDueMinor(invoice), 600);
    assert.deepEqual(paymentSucceededV1(events[0].payload, 'payload'), events[0].payload);
  });

  it('marks the invoice paid when nothing is due any more', () => {
    const { invoice, events } = paid(paid(issued, 400).invoice, 600);
    assert.equal(invoice.status, 'PAID');
    assert.equal(events[0].type, 'billing.PaymentSucceeded');
    assert.deepEqual(
      events[0].type === 'billing.PaymentSucceeded' && [
        events[0].payload.invoiceStatus,
        events[0].payload.amountDueMinor,
      ],
      ['PAID', 0],
    );
  });

  it('releases the reservation of a failed payment and keeps the reason', () => {
    const { invoice, payment, events } = paid(issued, 400, failed);
    assert.deepEqual([invoice.succeededMinor, invoice.pendingMinor, invoice.status], [0, 0, 'ISSUED']);
    assert.deepEqual([payment.status, payment.failureReason], ['FAILED', 'card declined']);
    assert.deepEqual(paymentFailedV1(events[0].payload, 'payload'), events[0].payload);
  });

  it('ignores a repeated webhook for a payment already settled', () => {
    const first = paid(issued, 400);
    for (const outcome of [succeeded, failed]) {
      const again = decideInvoice(first.invoice, { type: 'SettlePayment', payment: first.payment, outcome });
      assert.deepEqual(again, { invoice: first.invoice, payment: first.payment, events: [] });
    }
  });

  it('refuses to settle a payment that is not pending on this invoice', () => {
    const stray: Payment = { ...decidePayment(issued, pay(400)).payment };
    assert.equal(
      codeOf(() => settlePayment(issued, stray, succeeded)),
      BillingErrorCodes.paymentNotPending,
    );
  });
});

describe('invoice state from events', () => {
  it('replays InvoiceIssued and the payment events into the state the deciders returned', () => {
    const event = decideIssueInvoice({
      type: 'IssueInvoice',
      invoiceId: issued.invoiceId,
      account: { accountId: issued.accountId, ownerId: 'alice', invoicePrefix: 'VS42' },
      sequence: 1,
      tariff: createTariff({
        name: 'Standing only',
        currency: 'GBP',
        standingChargePerDayMinor: 100,
        rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: 0 }],
      }),
      meters: [],
      period: { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-06-11T00:00:00Z') },
      periodUsage: [],
      issuedAt: now,
    });
    const start = invoiceFromIssued(event);
    assert.deepEqual(start, issued);
    const first = decidePayment(start, pay(300));
    const second = decidePayment(first.invoice, pay(200));
    const settled = settlePayment(second.invoice, first.payment, succeeded);
    const declined = settlePayment(settled.invoice, second.payment, failed);
    const history = [first, second, settled, declined].flatMap((decision) => decision.events);
    assert.deepEqual(history.reduce(evolveInvoice, start), declined.invoice);
    assert.deepEqual([declined.invoice.succeededMinor, declined.invoice.pendingMinor], [300, 0]);
  });
});

type Step =
  | { kind: 'request'; amountMinor: number; currency: string }
  | { kind: 'settle'; pick: number; outcome: 'SUCCEEDED' | 'FAILED' };
const stepArb = (total: number): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.record({
      kind: fc.constant('request' as const),
      amountMinor: fc.oneof(fc.integer({ min: -10, max: total + 10 }), fc.integer({ min: 1, max: 50 })),
      currency: fc.constantFrom('GBP', 'GBP', 'GBP', 'EUR'),
    }),
    fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom('SUCCEEDED' as const, 'FAILED' as const),
    }),
  );
const REFUSALS: string[] = [
  BillingErrorCodes.invalidAmount,
  BillingErrorCodes.currencyMismatch,
  BillingErrorCodes.invoiceAlreadyPaid,
  BillingErrorCodes.paymentExceedsDue,
];
const sumOf = (payments: Payment[], status: Payment['status']) =>
  payments.filter((p) => p.status === status).reduce((sum, p) => sum + p.amountMinor, 0);

describe('payment properties', () => {
  it('never lets succeeded plus pending exceed the total, nor the amount due go negative', () => {
    const scenario = fc
      .integer({ min: 1, max: 100_000 })
      .chain((total) => fc.tuple(fc.constant(total), fc.array(stepArb(total), { maxLength: 60 })));
    fc.assert(
      fc.property(scenario, ([totalMinor, steps]) => {
        let invoice: InvoiceState = { ...issued, totalMinor };
        const payments: Payment[] = [];
        for (const step of steps) {
          if (step.kind === 'request') {
            try {
              const decision = decidePayment(invoice, pay(step.amountMinor, step.currency));
              invoice = decision.invoice;
              payments.push(decision.payment);
            } catch (error) {
              assert.ok(error instanceof DomainError && REFUSALS.includes(error.code), String(error));
            }
          } else if (payments.length > 0) {
            const index = step.pick % payments.length;
            const outcome: PaymentOutcome =
              step.outcome === 'SUCCEEDED' ? succeeded : { status: 'FAILED', reason: 'declined', at: now };
            const decision = settlePayment(invoice, payments[index], outcome);
            invoice = decision.invoice;
            payments[index] = decision.payment;
          }
          assert.ok(invoice.succeededMinor + invoice.pendingMinor <= invoice.totalMinor);
          assert.ok(amountDueMinor(invoice) >= 0 && invoice.pendingMinor >= 0);
          assert.equal(invoice.succeededMinor, sumOf(payments, 'SUCCEEDED'));
          assert.equal(invoice.pendingMinor, sumOf(payments, 'PENDING'));
          const expected =
            amountDueMinor(invoice) === 0 ? 'PAID' : invoice.succeededMinor > 0 ? 'PARTIALLY_PAID' : 'ISSUED';
          assert.equal(invoice.status, expected);
        }
      }),
    );
  });
});
