import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BillingErrorCodes } from './billing-errors';
import { codeOf, pathOf } from './billing-spec-helpers';
import { createTariff, decideCreateTariff, TariffInput, TariffRate } from './tariff';

const input: TariffInput = {
  name: ' Economy 7 ',
  currency: 'GBP',
  standingChargePerDayMinor: 45,
  rates: [
    { fromHour: 7, toHour: 24, pricePerKwhMinor: 30 },
    { fromHour: 0, toHour: 7, pricePerKwhMinor: 12 },
  ],
};
const withRates = (...rates: TariffRate[]): TariffInput => ({ ...input, rates });
const rate = (fromHour: number, toHour: number, pricePerKwhMinor = 10): TariffRate => ({
  fromHour,
  toHour,
  pricePerKwhMinor,
});

describe('createTariff', () => {
  it('accepts rates that cover the day exactly once and sorts them by hour', () => {
    assert.deepEqual(createTariff(input), {
      name: 'Economy 7',
      currency: 'GBP',
      standingChargePerDayMinor: 45,
      rates: [rate(0, 7, 12), rate(7, 24, 30)],
    });
    assert.equal(createTariff(withRates(rate(0, 24))).rates.length, 1);
  });

  it('reports hours no rate covers as a gap, at the rate that starts after it', () => {
    const gap = withRates(rate(0, 6), rate(7, 24));
    assert.equal(
      codeOf(() => createTariff(gap)),
      BillingErrorCodes.tariffRatesGap,
    );
    assert.equal(
      pathOf(() => createTariff(gap)),
      'input.rates[1].fromHour',
    );
  });

  it('reports uncovered hours at the start or end of the day as a gap', () => {
    assert.equal(
      codeOf(() => createTariff(withRates(rate(1, 24)))),
      BillingErrorCodes.tariffRatesGap,
    );
    assert.equal(
      pathOf(() => createTariff(withRates(rate(0, 23)))),
      'input.rates',
    );
    assert.equal(
      codeOf(() => createTariff(withRates())),
      BillingErrorCodes.tariffRatesGap,
    );
  });

  it('reports hours covered twice as an overlap, not as a gap', () => {
    const overlap = withRates(rate(12, 24), rate(0, 13));
    assert.equal(
      codeOf(() => createTariff(overlap)),
      BillingErrorCodes.tariffRatesOverlap,
    );
    assert.equal(
      pathOf(() => createTariff(overlap)),
      'input.rates[0].fromHour',
    );
    assert.equal(
      codeOf(() => createTariff(withRates(rate(0, 24), rate(0, 24)))),
      BillingErrorCodes.tariffRatesOverlap,
    );
  });

  it('rejects hours outside 0..24, fractional hours and rates that end before they start', () => {
    for (const bad of [rate(-1, 24), rate(0, 25), rate(0, 23.5), rate(5, 5), rate(24, 0)]) {
      assert.equal(
        codeOf(() => createTariff(withRates(bad))),
        BillingErrorCodes.invalidRateHours,
        JSON.stringify(bad),
      );
    }
    assert.equal(
      pathOf(() => createTariff(withRates(rate(0, 25)))),
      'input.rates[0].toHour',
    );
  });

  it('rejects a bad name, currency, standing charge or price', () => {
    assert.equal(
      codeOf(() => createTariff({ ...input, name: '  ' })),
      BillingErrorCodes.invalidTariffName,
    );
    assert.equal(
      codeOf(() => createTariff({ ...input, name: 'x'.repeat(101) })),
      BillingErrorCodes.invalidTariffName,
    );
    assert.equal(
      codeOf(() => createTariff({ ...input, currency: 'gbp' })),
      BillingErrorCodes.invalidCurrency,
    );
    assert.equal(
      codeOf(() => createTariff({ ...input, standingChargePerDayMinor: -1 })),
      BillingErrorCodes.invalidAmount,
    );
    assert.equal(
      codeOf(() => createTariff(withRates(rate(0, 24, 1.5)))),
      BillingErrorCodes.invalidAmount,
    );
  });

  it('decides TariffCreated with the normalised terms', () => {
    const event = decideCreateTariff({
      type: 'CreateTariff',
      tariffId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      input,
      now: new Date('2026-06-01T12:00:00Z'),
    });
    assert.equal(event.name, 'Economy 7');
    assert.deepEqual(event.rates, [rate(0, 7, 12), rate(7, 24, 30)]);
    assert.equal(event.createdAt, '2026-06-01T12:00:00.000Z');
  });
});
