import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../http/api-error';
import { fingerprintOf, parseCreateCharge, parseIdempotencyKey } from './create-charge.input';

const valid = {
  amountMinor: 12_345,
  currency: 'EUR',
  reference: 'invoice-1/payment-1',
  webhookUrl: 'http://127.0.0.1:4201/webhooks/payments',
};

function refusedField(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'INVALID_REQUEST');
    return error.field;
  }
  assert.fail('the input was accepted');
}

describe('create-charge input', () => {
  it('accepts a valid body, with or without a description', () => {
    assert.deepEqual(parseCreateCharge(valid), { ...valid, description: null });
    assert.equal(parseCreateCharge({ ...valid, description: 'Invoice 1' }).description, 'Invoice 1');
  });

  it('names the field at fault', () => {
    const cases: [unknown, string][] = [
      [null, 'body'],
      [[valid], 'body'],
      [{ ...valid, amountMinor: 12.5 }, 'amountMinor'],
      [{ ...valid, amountMinor: '12345' }, 'amountMinor'],
      [{ ...valid, amountMinor: -1 }, 'amountMinor'],
      [{ ...valid, amountMinor: 100_000_000_000 }, 'amountMinor'],
      [{ ...valid, currency: 'eur' }, 'currency'],
      [{ ...valid, currency: 'EURO' }, 'currency'],
      [{ ...valid, reference: '  ' }, 'reference'],
      [{ ...valid, reference: 'x'.repeat(201) }, 'reference'],
      [{ ...valid, webhookUrl: '/relative' }, 'webhookUrl'],
      [{ ...valid, webhookUrl: 'file:///etc/passwd' }, 'webhookUrl'],
      [{ ...valid, description: 7 }, 'description'],
      [{ ...valid, metadata: {} }, 'metadata'],
    ];
    for (const [body, field] of cases)
      assert.equal(
        refusedField(() => parseCreateCharge(body)),
        field,
      );
  });

  it('requires an Idempotency-Key of at most 255 characters', () => {
    assert.equal(parseIdempotencyKey('key-1'), 'key-1');
    for (const header of [undefined, '', ' ', 'k'.repeat(256)]) {
      assert.equal(
        refusedField(() => parseIdempotencyKey(header)),
        'Idempotency-Key',
      );
    }
  });

  it('fingerprints the request by its fields, not by how the JSON was written', () => {
    const reordered = parseCreateCharge(Object.fromEntries(Object.entries(valid).reverse()));
    assert.equal(fingerprintOf(parseCreateCharge(valid)), fingerprintOf(reordered));
    assert.notEqual(
      fingerprintOf(parseCreateCharge(valid)),
      fingerprintOf(parseCreateCharge({ ...valid, amountMinor: 12_346 })),
    );
    assert.notEqual(
      fingerprintOf(parseCreateCharge(valid)),
      fingerprintOf(parseCreateCharge({ ...valid, description: 'x' })),
    );
  });
});
