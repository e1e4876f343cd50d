import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BillingErrorCodes } from './billing-errors';
import { codeOf, pathOf } from './billing-spec-helpers';
import { BillingPeriod } from './period';
import { createTariff, Tariff } from './tariff';
import { bandHour, BilledMeter, priceUsage, UsageHour } from './usage-pricing';

const HOUR = 3_600_000;
const LONDON = 'a1000000-0000-4000-8000-000000000001';
const KOLKATA = 'a1000000-0000-4000-8000-000000000002';
const meters: BilledMeter[] = [
  { meterId: KOLKATA, serialNumber: 'SN-2', timezone: 'Asia/Kolkata' },
  { meterId: LONDON, serialNumber: 'SN-1', timezone: 'Europe/London' },
];
const economy7: Tariff = createTariff({
  name: 'Economy 7',
  currency: 'GBP',
  standingChargePerDayMinor: 0,
  rates: [
    { fromHour: 0, toHour: 7, pricePerKwhMinor: 12 },
    { fromHour: 7, toHour: 24, pricePerKwhMinor: 30 },
  ],
});
/** A band for the hour that DST skips or repeats in London. */
const oneAm: Tariff = createTariff({
  name: 'One o’clock',
  currency: 'GBP',
  standingChargePerDayMinor: 0,
  rates: [
    { fromHour: 0, toHour: 1, pricePerKwhMinor: 10 },
    { fromHour: 1, toHour: 2, pricePerKwhMinor: 20 },
    { fromHour: 2, toHour: 24, pricePerKwhMinor: 30 },
  ],
});
const year: BillingPeriod = {
  start: new Date('2026-01-01T00:00:00Z'),
  end: new Date('2026-04-01T00:00:00Z'),
};
const autumn: BillingPeriod = {
  start: new Date('2026-10-01T00:00:00Z'),
  end: new Date('2026-11-01T00:00:00Z'),
};

/** `hours` consecutive UTC hours of `wh` each, from `from`. */
function hours(meterId: string, from: string, count: number, wh = 1000): UsageHour[] {
  const start = new Date(from).getTime();
  return Array.from({ length: count }, (_, i) => ({ meterId, hourStart: new Date(start + i * HOUR), wh }));
}
const summary = (tariff: Tariff, usage: UsageHour[], period = year) =>
  priceUsage(usage, period, { tariff, meters }).map((line) => [
    line.description,
    line.quantityWh,
    line.amountMinor,
  ]);

describe('pricing usage by time of use in the meter’s zone', () => {
  it('prices each local hour in the band it starts in, switching at the band boundary', () => {
    // Winter in London is UTC: 06:00Z is the last off-peak hour, 07:00Z the first peak hour.
    assert.deepEqual(summary(economy7, hours(LONDON, '2026-01-15T06:00:00Z', 2, 1500)), [
      ['Meter SN-1 · 00:00–07:00 @ 12/kWh', 1500, 18],
      ['Meter SN-1 · 07:00–24:00 @ 30/kWh', 1500, 45],
    ]);
  });

  it('follows summer time: 06:00Z is 07:00 BST, already peak', () => {
    const summer: BillingPeriod = {
      start: new Date('2026-07-01T00:00:00Z'),
      end: new Date('2026-08-01T00:00:00Z'),
    };
    assert.deepEqual(summary(economy7, hours(LONDON, '2026-07-15T05:00:00Z', 2), summer), [
      ['Meter SN-1 · 00:00–07:00 @ 12/kWh', 1000, 12],
      ['Meter SN-1 · 07:00–24:00 @ 30/kWh', 1000, 30],
    ]);
  });

  it('prices nothing in the hour a spring-forward night skips', () => {
    // 2026-03-29 in London: 00:00Z is 00:00 GMT, 01:00Z is already 02:00 BST. The day has 23 hours.
    const day = hours(LONDON, '2026-03-29T00:00:00Z', 23);
    assert.deepEqual(summary(oneAm, day), [
      ['Meter SN-1 · 00:00–01:00 @ 10/kWh', 1000, 10],
      ['Meter SN-1 · 02:00–24:00 @ 30/kWh', 22_000, 660],
    ]);
  });

  it('prices the repeated fall-back hour twice', () => {
    // 2026-10-25 in London: 00:00Z is 01:00 BST and 01:00Z is 01:00 GMT. The day has 25 hours.
    const day = hours(LONDON, '2026-10-24T23:00:00Z', 25);
    assert.deepEqual(bandHour(new Date('2026-10-25T00:00:00Z'), 'Europe/London'), 1);
    assert.deepEqual(bandHour(new Date('2026-10-25T01:00:00Z'), 'Europe/London'), 1);
    assert.deepEqual(summary(oneAm, day, autumn), [
      ['Meter SN-1 · 00:00–01:00 @ 10/kWh', 1000, 10],
      ['Meter SN-1 · 01:00–02:00 @ 20/kWh', 2000, 40],
      ['Meter SN-1 · 02:00–24:00 @ 30/kWh', 22_000, 660],
    ]);
  });

  it('prices a UTC hour in a half-hour zone by the local hour its start falls in', () => {
    // Asia/Kolkata is +05:30: 01:00Z starts at 06:30 (off-peak), 02:00Z at 07:30 (peak).
    assert.equal(bandHour(new Date('2026-01-15T01:00:00Z'), 'Asia/Kolkata'), 6);
    assert.deepEqual(summary(economy7, hours(KOLKATA, '2026-01-15T01:00:00Z', 2)), [
      ['Meter SN-2 · 00:00–07:00 @ 12/kWh', 1000, 12],
      ['Meter SN-2 · 07:00–24:00 @ 30/kWh', 1000, 30],
    ]);
    // 18:00Z starts at 23:30, the last local hour; 18:30Z (local midnight) never starts a UTC hour.
    assert.equal(bandHour(new Date('2026-01-15T18:00:00Z'), 'Asia/Kolkata'), 23);
    assert.equal(bandHour(new Date('2026-01-15T19:00:00Z'), 'Asia/Kolkata'), 0);
  });

  it('gives one line per meter and band, meters by serial number, adding rows of the same hour', () => {
    const usage = [
      ...hours(KOLKATA, '2026-01-15T12:00:00Z', 1, 400),
      ...hours(LONDON, '2026-01-15T12:00:00Z', 1, 250),
      ...hours(LONDON, '2026-01-15T12:00:00Z', 1, 250),
      ...hours(LONDON, '2026-01-15T02:00:00Z', 1, 0),
    ];
    assert.deepEqual(summary(economy7, usage), [
      ['Meter SN-1 · 07:00–24:00 @ 30/kWh', 500, 15],
      ['Meter SN-2 · 07:00–24:00 @ 30/kWh', 400, 12],
    ]);
  });

  it('rejects usage of an unknown meter, off the hour, outside the period or not whole Wh', () => {
    const row = hours(LONDON, '2026-01-15T12:00:00Z', 1)[0];
    const price = (change: Partial<UsageHour>) => () =>
      priceUsage([{ ...row, ...change }], year, { tariff: economy7, meters });
    assert.equal(
      codeOf(price({ meterId: 'a1000000-0000-4000-8000-000000000009' })),
      BillingErrorCodes.unknownMeter,
    );
    assert.equal(
      codeOf(price({ hourStart: new Date('2026-01-15T12:30:00Z') })),
      BillingErrorCodes.invalidUsage,
    );
    assert.equal(
      codeOf(price({ hourStart: new Date('2026-04-01T00:00:00Z') })),
      BillingErrorCodes.usageOutsidePeriod,
    );
    assert.equal(codeOf(price({ wh: -1 })), BillingErrorCodes.invalidUsage);
    assert.equal(codeOf(price({ wh: 1.5 })), BillingErrorCodes.invalidUsage);
    assert.equal(pathOf(price({ wh: -1 })), 'usage[0].wh');
  });

  it('rejects a meter whose zone is not IANA', () => {
    const bad = [{ meterId: LONDON, serialNumber: 'SN-1', timezone: 'Mars/Olympus' }];
    assert.equal(
      codeOf(() => priceUsage([], year, { tariff: economy7, meters: bad })),
      BillingErrorCodes.invalidTimeZone,
    );
  });
});
