import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BillingErrorCodes } from './billing-errors';
import { codeOf } from './billing-spec-helpers';
import { formatInvoiceNumber, parseInvoiceNumber } from './invoice-number';

describe('invoice numbers', () => {
  it('pads the sequence to six digits and widens past them', () => {
    assert.equal(formatInvoiceNumber('VS42', 1), 'VS42-000001');
    assert.equal(formatInvoiceNumber('VS42', 1_234_567), 'VS42-1234567');
    assert.deepEqual(parseInvoiceNumber('VS42-000123'), { prefix: 'VS42', sequence: 123 });
  });

  it('rejects a sequence below 1, a bad prefix and a malformed number', () => {
    assert.equal(
      codeOf(() => formatInvoiceNumber('VS42', 0)),
      BillingErrorCodes.invalidInvoiceNumber,
    );
    assert.equal(
      codeOf(() => formatInvoiceNumber('vs-42', 1)),
      BillingErrorCodes.invalidInvoicePrefix,
    );
    assert.equal(
      codeOf(() => parseInvoiceNumber('VS42-12')),
      BillingErrorCodes.invalidInvoiceNumber,
    );
    assert.equal(
      codeOf(() => parseInvoiceNumber('VS42-000000')),
      BillingErrorCodes.invalidInvoiceNumber,
    );
  });
});
