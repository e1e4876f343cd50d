import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountCreditAppliedV1, invoiceVoidedV1 } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { codeOf, pathOf } from './billing-spec-helpers';
import {
  accountCreditOnVoid,
  applyAccountCredit,
  decideVoidInvoice,
  formatCreditNoteNumber,
  MAX_VOID_REASON_LENGTH,
  VoidableInvoice,
  VoidInvoice,
} from './credit-note';
import { decidePayment, settlePayment } from './payments';

const issued: VoidableInvoice = {
  state: {
    invoiceId: 'c7000000-0000-4000-8000-000000000001',
    accountId: 'c7000000-0000-4000-8000-000000000002',
    currency: 'EUR',
    totalMinor: 1018,
    succeededMinor: 0,
    pendingMinor: 0,
    status: 'ISSUED',
  },
  ownerId: 'alice',
  number: 'VS42-000007',
  lines: [
    {
      kind: 'USAGE',
      description: 'Meter SN-1 · 00:00–07:00 @ 12/kWh',
      meterId: 'c7000000-0000-4000-8000-000000000003',
      quantityWh: 1500,
      amountMinor: 18,
      estimated: false,
    },
    {
      kind: 'STANDING_CHARGE',
      description: 'Standing charge',
      meterId: null,
      quantityWh: null,
      amountMinor: 1000,
      estimated: false,
    },
  ],
};
const now = new Date('2026-12-31T23:59:59.999Z');
const voidIt = (overrides: Partial<VoidInvoice> = {}): VoidInvoice => ({
  type: 'VoidInvoice',
  creditNoteId: 'c7000000-0000-4000-8000-000000000009',
  sequence: 42,
  reason: '  billed the wrong meter ',
  now,
  ...overrides,
});

/** Given an invoice with `amount` paid and settled as SUCCEEDED. */
function paid(amount: number): VoidableInvoice {
  const requested = decidePayment(issued.state, {
    type: 'RequestPayment',
    paymentId: 'c7000000-0000-4000-8000-000000000010',
    amount: { amountMinor: amount, currency: 'EUR' },
    now,
  });
  const settled = settlePayment(requested.invoice, requested.payment, { status: 'SUCCEEDED', at: now });
  return { ...issued, state: settled.invoice };
}

describe('voiding an invoice', () => {
  it('voids an issued invoice with a credit note that negates each line and the total', () => {
    const { invoice, event } = decideVoidInvoice(issued, voidIt());
    assert.equal(invoice.status, 'VOID');
    assert.deepEqual(
      event.lines.map((line) => line.amountMinor),
      [-18, -1000],
    );
    assert.deepEqual(
      event.lines.map(({ amountMinor: _amount, ...rest }) => rest),
      issued.lines.map(({ amountMinor: _amount, ...rest }) => rest),
      'everything but the amount is the invoice line’s',
    );
    assert.equal(event.totalMinor, -1018);
    assert.equal(
      event.lines.reduce((sum, line) => sum + line.amountMinor, 0),
      event.totalMinor,
    );
    assert.equal(event.reason, 'billed the wrong meter', 'the reason is trimmed');
    assert.equal(event.invoiceNumber, 'VS42-000007');
    assert.equal(event.accountCreditMinor, 0);
    assert.deepEqual(invoiceVoidedV1(event, 'payload'), event, 'the event meets its contract');
  });

  it('numbers the credit note in the series of its UTC year', () => {
    assert.equal(decideVoidInvoice(issued, voidIt()).event.creditNoteNumber, 'CN-2026-000042');
    const newYear = decideVoidInvoice(issued, voidIt({ now: new Date('2027-01-01T00:00:00Z'), sequence: 1 }));
    assert.equal(newYear.event.creditNoteNumber, 'CN-2027-000001');
  });

  it('leaves what was paid on a partly paid invoice to the account as credit', () => {
    const partly = paid(400);
    assert.equal(partly.state.status, 'PARTIALLY_PAID');
    const { invoice, event } = decideVoidInvoice(partly, voidIt());
    assert.equal(event.accountCreditMinor, 400);
    assert.equal(event.totalMinor, -1018, 'the credit note reverses the whole invoice, paid or not');
    assert.equal(invoice.succeededMinor, 400, 'the payments stay recorded on the invoice');
  });

  it('credits the whole total of a paid invoice', () => {
    assert.equal(accountCreditOnVoid(paid(1018).state), 1018);
    assert.equal(decideVoidInvoice(paid(1018), voidIt()).event.accountCreditMinor, 1018);
  });

  it('refuses to void a void invoice with BILLING.INVOICE_VOID', () => {
    const { invoice } = decideVoidInvoice(issued, voidIt());
    assert.equal(
      codeOf(() => decideVoidInvoice({ ...issued, state: invoice }, voidIt())),
      BillingErrorCodes.invoiceVoid,
    );
  });

  it('refuses while a payment is pending with BILLING.PAYMENT_PENDING', () => {
    const pending = { ...issued, state: { ...issued.state, pendingMinor: 300 } };
    assert.equal(
      codeOf(() => decideVoidInvoice(pending, voidIt())),
      BillingErrorCodes.paymentPending,
    );
  });

  it('requires a reason of 1 to 500 characters', () => {
    for (const reason of ['', '   ', 'x'.repeat(MAX_VOID_REASON_LENGTH + 1)]) {
      assert.equal(
        codeOf(() => decideVoidInvoice(issued, voidIt({ reason }))),
        BillingErrorCodes.invalidVoidReason,
      );
      assert.equal(
        pathOf(() => decideVoidInvoice(issued, voidIt({ reason }))),
        'reason',
      );
    }
    assert.equal(
      codeOf(() => decideVoidInvoice(issued, voidIt({ reason: 'x'.repeat(MAX_VOID_REASON_LENGTH) }))),
      'accepted',
    );
  });
});

describe('credit note numbers', () => {
  it('pads the sequence to six digits and widens past them', () => {
    assert.equal(formatCreditNoteNumber(2026, 1), 'CN-2026-000001');
    assert.equal(formatCreditNoteNumber(2026, 1_234_567), 'CN-2026-1234567');
  });

  it('refuses a sequence below 1', () => {
    assert.equal(
      codeOf(() => formatCreditNoteNumber(2026, 0)),
      BillingErrorCodes.invalidCreditNoteNumber,
    );
    assert.equal(
      codeOf(() => formatCreditNoteNumber(2026, 1.5)),
      BillingErrorCodes.invalidCreditNoteNumber,
    );
  });
});

describe('account credit on a new invoice', () => {
  it('pays what it can of the invoice from the credit, leaving the rest of the credit', () => {
    const applied = applyAccountCredit(issued.state, 400, now);
    assert.equal(applied?.event.amountMinor, 400);
    assert.equal(applied?.event.amountDueMinor, 618);
    assert.equal(applied?.invoice.status, 'PARTIALLY_PAID');
    assert.equal(applied?.invoice.succeededMinor, 400);
    assert.deepEqual(accountCreditAppliedV1(applied?.event, 'payload'), applied?.event);
  });

  it('takes no more than the invoice total, and pays it in full', () => {
    const applied = applyAccountCredit(issued.state, 5000, now);
    assert.equal(applied?.event.amountMinor, 1018);
    assert.equal(applied?.event.amountDueMinor, 0);
    assert.equal(applied?.invoice.status, 'PAID');
  });

  it('applies nothing without credit or to an invoice with nothing due', () => {
    assert.equal(applyAccountCredit(issued.state, 0, now), null);
    assert.equal(applyAccountCredit({ ...issued.state, totalMinor: 0, status: 'PAID' }, 300, now), null);
  });
});
