import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decimalAmount, money } from './money';

describe('Money.amount', () => {
  it('puts the decimal point where the currency’s minor unit says', () => {
    assert.equal(decimalAmount(12345, 'EUR'), '123.45');
    assert.equal(decimalAmount(5, 'EUR'), '0.05');
    assert.equal(decimalAmount(0, 'GBP'), '0.00');
    assert.equal(decimalAmount(500, 'JPY'), '500');
    assert.equal(decimalAmount(1234, 'KWD'), '1.234');
    assert.equal(decimalAmount(7, 'BHD'), '0.007');
    assert.equal(decimalAmount(-1999, 'USD'), '-19.99');
  });

  it('stays exact where a float would not', () => {
    assert.equal(decimalAmount(Number.MAX_SAFE_INTEGER, 'EUR'), '90071992547409.91');
    assert.equal(decimalAmount(1_000_000_000_01, 'EUR'), '1000000000.01');
  });

  it('refuses a fraction of a minor unit', () => {
    assert.throws(() => decimalAmount(10.5, 'EUR'), RangeError);
  });

  it('keeps the minor units and currency beside the decimal string', () => {
    assert.deepEqual(money(250, 'EUR'), { amountMinor: 250, currency: 'EUR', amount: '2.50' });
  });
});
