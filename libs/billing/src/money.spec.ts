import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BillingErrorCodes } from './billing-errors';
import { codeOf } from './billing-spec-helpers';
import { energyChargeMinor, proratedDailyMinor, roundHalfEven, sumMinor } from './money';

describe('rounding half to even', () => {
  it('rounds exact halves to the even neighbour: 0.5 → 0, 1.5 → 2, 2.5 → 2, 3.5 → 4', () => {
    assert.equal(roundHalfEven(1n, 2n), 0n);
    assert.equal(roundHalfEven(3n, 2n), 2n);
    assert.equal(roundHalfEven(5n, 2n), 2n);
    assert.equal(roundHalfEven(7n, 2n), 4n);
  });

  it('rounds anything off the half to the nearest whole unit', () => {
    assert.equal(roundHalfEven(2499n, 1000n), 2n);
    assert.equal(roundHalfEven(2501n, 1000n), 3n);
    assert.equal(roundHalfEven(6n, 3n), 2n);
  });

  it('rounds negative halves to even as well', () => {
    assert.equal(roundHalfEven(-5n, 2n), -2n);
    assert.equal(roundHalfEven(-7n, 2n), -4n);
    assert.equal(roundHalfEven(-2501n, 1000n), -3n);
  });
});

describe('line amounts', () => {
  it('prices Wh × price per kWh / 1000 exactly and rounds the half once', () => {
    assert.equal(energyChargeMinor(500, 1), 0);
    assert.equal(energyChargeMinor(1500, 1), 2);
    assert.equal(energyChargeMinor(2500, 1), 2);
    assert.equal(energyChargeMinor(3500, 1), 4);
    assert.equal(energyChargeMinor(123_456, 27), 3333);
  });

  it('does not lose precision where a float would', () => {
    // 0.1 kWh × 35 = 3.5 → 4; a float product 100 * 0.035 is 3.5000000000000004.
    assert.equal(energyChargeMinor(100, 35), 4);
    assert.equal(energyChargeMinor(9_007_199_254_740, 1000), 9_007_199_254_740);
  });

  it('prorates a daily charge by the exact duration', () => {
    assert.equal(proratedDailyMinor(25, 12 * 3_600_000), 12);
    assert.equal(proratedDailyMinor(25, 36 * 3_600_000), 38);
    assert.equal(proratedDailyMinor(24, 25 * 3_600_000), 25);
  });

  it('refuses a sum that a number cannot hold exactly', () => {
    assert.equal(sumMinor([1, 2, 3]), 6);
    assert.equal(
      codeOf(() => sumMinor([Number.MAX_SAFE_INTEGER, 1])),
      BillingErrorCodes.amountOverflow,
    );
  });
});
