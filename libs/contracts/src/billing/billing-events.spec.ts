import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnknownEventError } from '../energy/energy-events';
import { ContractViolation } from '../validation';
import { BillingEventTypes, InvoiceIssuedV1, parseBillingEvent } from './billing-events';

const invoiceIssued: InvoiceIssuedV1 = {
  invoiceId: 'f6000000-0000-4000-8000-000000000001',
  accountId: 'f6000000-0000-4000-8000-000000000002',
  ownerId: 'alice',
  number: 'VS42-000001',
  periodStart: '2026-06-01T00:00:00.000Z',
  periodEnd: '2026-07-01T00:00:00.000Z',
  currency: 'GBP',
  lines: [
    {
      kind: 'USAGE',
      description: 'Meter SN-1 · 00:00–07:00 @ 12/kWh',
      meterId: 'f6000000-0000-4000-8000-000000000003',
      quantityWh: 1500,
      amountMinor: 18,
      estimated: false,
    },
    {
      kind: 'STANDING_CHARGE',
      description: 'Standing charge',
      meterId: null,
      quantityWh: null,
      amountMinor: 750,
      estimated: false,
    },
  ],
  totalMinor: 768,
  status: 'ISSUED',
  issuedAt: '2026-07-01T06:00:00.000Z',
  dueAt: '2026-07-15T06:00:00.000Z',
};

describe('billing event contracts', () => {
  it('parses InvoiceIssued v1', () => {
    const event = parseBillingEvent(BillingEventTypes.InvoiceIssued, 1, invoiceIssued);
    assert.deepEqual(event, { type: 'billing.InvoiceIssued', schemaVersion: 1, payload: invoiceIssued });
  });

  it('reads a line written before estimated usage was billed as not estimated (the upcast)', () => {
    const old = {
      ...invoiceIssued,
      lines: invoiceIssued.lines.map(({ estimated: _dropped, ...line }) => line),
    };
    const event = parseBillingEvent(BillingEventTypes.InvoiceIssued, 1, old);
    assert.deepEqual(event.payload, invoiceIssued);
  });

  it('accepts a negative ADJUSTMENT (an estimate taken back) and a negative total', () => {
    const takenBack = {
      kind: 'ADJUSTMENT',
      description: 'Adjustment: June 2026 · Meter SN-1 · 00:00–07:00 @ 12/kWh (estimated)',
      meterId: 'f6000000-0000-4000-8000-000000000003',
      quantityWh: -70_000,
      amountMinor: -840,
      estimated: true,
    } as const;
    const payload = {
      ...invoiceIssued,
      lines: [...invoiceIssued.lines, takenBack],
      totalMinor: -72,
      status: 'PAID',
    };
    const event = parseBillingEvent(BillingEventTypes.InvoiceIssued, 1, payload);
    assert.deepEqual(event.payload, payload);
  });

  it('refuses a negative amount or quantity on a USAGE or STANDING_CHARGE line, and a non-boolean flag', () => {
    const [usage, standing] = invoiceIssued.lines;
    const broken = [
      [{ ...invoiceIssued, lines: [{ ...usage, amountMinor: -18 }] }, 'payload.lines[0].amountMinor'],
      [{ ...invoiceIssued, lines: [{ ...usage, quantityWh: -1500 }] }, 'payload.lines[0].quantityWh'],
      [
        { ...invoiceIssued, lines: [usage, { ...standing, amountMinor: -1 }] },
        'payload.lines[1].amountMinor',
      ],
      [{ ...invoiceIssued, lines: [{ ...usage, estimated: 'yes' }] }, 'payload.lines[0].estimated'],
    ] as const;
    for (const [payload, path] of broken) {
      assert.throws(
        () => parseBillingEvent(BillingEventTypes.InvoiceIssued, 1, payload),
        (error: unknown) => error instanceof ContractViolation && error.path === path,
      );
    }
  });

  it('refuses a float amount, an unknown status and an unknown line kind, naming the field', () => {
    const broken = [
      [{ ...invoiceIssued, totalMinor: 7.68 }, 'payload.totalMinor'],
      [{ ...invoiceIssued, status: 'UPDATED' }, 'payload.status'],
      [
        { ...invoiceIssued, lines: [{ ...invoiceIssued.lines[0], kind: 'DISCOUNT' }] },
        'payload.lines[0].kind',
      ],
    ] as const;
    for (const [payload, path] of broken) {
      assert.throws(
        () => parseBillingEvent(BillingEventTypes.InvoiceIssued, 1, payload),
        (error: unknown) => error instanceof ContractViolation && error.path === path,
      );
    }
  });

  it('requires a reason on a failed payment and a pending status on a requested one', () => {
    const payment = {
      paymentId: 'f6000000-0000-4000-8000-000000000004',
      invoiceId: invoiceIssued.invoiceId,
      accountId: invoiceIssued.accountId,
      amountMinor: 500,
      currency: 'GBP',
    };
    const failed = {
      ...payment,
      status: 'FAILED',
      failedAt: invoiceIssued.issuedAt,
      invoiceStatus: 'ISSUED',
      amountDueMinor: 768,
    };
    assert.throws(() => parseBillingEvent(BillingEventTypes.PaymentFailed, 1, failed), ContractViolation);
    assert.equal(
      parseBillingEvent(BillingEventTypes.PaymentFailed, 1, { ...failed, reason: 'declined' }).type,
      'billing.PaymentFailed',
    );
    const requested = { ...payment, status: 'SUCCEEDED', requestedAt: invoiceIssued.issuedAt };
    assert.throws(
      () => parseBillingEvent(BillingEventTypes.PaymentRequested, 1, requested),
      ContractViolation,
    );
  });

  it('parses InvoiceVoided v1, whose credit note never adds to what is owed', () => {
    const voided = {
      invoiceId: invoiceIssued.invoiceId,
      accountId: invoiceIssued.accountId,
      ownerId: invoiceIssued.ownerId,
      invoiceNumber: invoiceIssued.number,
      reason: 'billed the wrong meter',
      voidedAt: '2026-07-03T10:00:00.000Z',
      creditNoteId: 'f6000000-0000-4000-8000-000000000005',
      creditNoteNumber: 'CN-2026-000001',
      currency: 'GBP',
      lines: invoiceIssued.lines.map((line) => ({ ...line, amountMinor: -line.amountMinor })),
      totalMinor: -768,
      accountCreditMinor: 0,
    };
    assert.equal(parseBillingEvent(BillingEventTypes.InvoiceVoided, 1, voided).type, 'billing.InvoiceVoided');
    const broken = [
      [{ ...voided, totalMinor: 768 }, 'payload.totalMinor'],
      [{ ...voided, lines: [{ ...voided.lines[0], amountMinor: 18 }] }, 'payload.lines[0].amountMinor'],
      [{ ...voided, reason: '' }, 'payload.reason'],
      [{ ...voided, creditNoteNumber: invoiceIssued.number }, 'payload.creditNoteNumber'],
    ] as const;
    for (const [payload, path] of broken) {
      assert.throws(
        () => parseBillingEvent(BillingEventTypes.InvoiceVoided, 1, payload),
        (error: unknown) => error instanceof ContractViolation && error.path === path,
      );
    }
  });

  it('refuses unknown types and versions', () => {
    assert.throws(
      () => parseBillingEvent(BillingEventTypes.InvoiceIssued, 2, invoiceIssued),
      UnknownEventError,
    );
    assert.throws(() => parseBillingEvent('billing.InvoiceUpdated', 1, invoiceIssued), UnknownEventError);
  });
});
