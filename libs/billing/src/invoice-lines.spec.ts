import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BillingErrorCodes } from './billing-errors';
import { codeOf, pathOf } from './billing-spec-helpers';
import { buildInvoiceLines, InvoiceLinesInput, standingChargeLine } from './invoice-lines';
import { createTariff, Tariff } from './tariff';
import { UsageHour } from './usage-pricing';

const METER = 'b2000000-0000-4000-8000-000000000001';
const tariff: Tariff = createTariff({
  name: 'Flat',
  currency: 'GBP',
  standingChargePerDayMinor: 25,
  rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: 30 }],
});
const june = { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-07-01T00:00:00Z') };
const may = { start: new Date('2026-05-01T00:00:00Z'), end: new Date('2026-06-01T00:00:00Z') };
const row = (hourStart: string, wh: number): UsageHour => ({
  meterId: METER,
  hourStart: new Date(hourStart),
  wh,
});
const input: InvoiceLinesInput = {
  tariff,
  meters: [{ meterId: METER, serialNumber: 'SN-1', timezone: 'Europe/London' }],
  period: june,
  periodUsage: [row('2026-06-10T12:00:00Z', 2000)],
  lateUsage: [],
};
const at = (iso: string) => new Date(iso);

describe('standing charge', () => {
  it('charges whole days of the period at the daily rate', () => {
    assert.equal(standingChargeLine(june, tariff).amountMinor, 30 * 25);
    assert.equal(standingChargeLine(june, tariff).description, 'Standing charge · 30 d 0 h @ 25/day');
  });

  it('prorates a partial period by its exact hours, rounding the half to even', () => {
    const halfDay = { start: at('2026-06-01T00:00:00Z'), end: at('2026-06-01T12:00:00Z') };
    const dayAndHalf = { start: at('2026-06-01T00:00:00Z'), end: at('2026-06-02T12:00:00Z') };
    assert.equal(standingChargeLine(halfDay, tariff).amountMinor, 12); // 12.5 → 12
    assert.equal(standingChargeLine(dayAndHalf, tariff).amountMinor, 38); // 37.5 → 38
    assert.equal(standingChargeLine(dayAndHalf, tariff).description, 'Standing charge · 1 d 12 h @ 25/day');
  });

  it('charges a local fall-back day for the 25 hours it lasts', () => {
    const fallBackDay = { start: at('2026-10-24T23:00:00Z'), end: at('2026-10-26T00:00:00Z') };
    const perDay24 = { ...tariff, standingChargePerDayMinor: 24 };
    assert.equal(standingChargeLine(fallBackDay, perDay24).amountMinor, 25);
  });
});

describe('invoice lines with adjustments for late usage', () => {
  it('lists usage, then the standing charge, then adjustments naming the original period', () => {
    const lines = buildInvoiceLines({
      ...input,
      lateUsage: [{ period: may, usage: [row('2026-05-31T23:00:00Z', 500)] }],
    });
    assert.deepEqual(
      lines.map((line) => [line.kind, line.description, line.quantityWh, line.amountMinor]),
      [
        ['USAGE', 'Meter SN-1 · 00:00–24:00 @ 30/kWh', 2000, 60],
        ['STANDING_CHARGE', 'Standing charge · 30 d 0 h @ 25/day', null, 750],
        [
          'ADJUSTMENT',
          'Adjustment: 2026-05-01T00:00Z–2026-06-01T00:00Z · Meter SN-1 · 00:00–24:00 @ 30/kWh',
          500,
          15,
        ],
      ],
    );
  });

  it('orders adjustments by their original period and prices each with that period’s tariff', () => {
    const april = { start: at('2026-04-01T00:00:00Z'), end: at('2026-05-01T00:00:00Z') };
    const cheaper = { ...tariff, rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: 10 }] };
    const lines = buildInvoiceLines({
      ...input,
      lateUsage: [
        { period: may, usage: [row('2026-05-02T00:00:00Z', 1000)] },
        { period: april, usage: [row('2026-04-02T00:00:00Z', 1000)], tariff: cheaper },
      ],
    });
    assert.deepEqual(
      lines.filter((line) => line.kind === 'ADJUSTMENT').map((line) => [line.description, line.amountMinor]),
      [
        ['Adjustment: 2026-04-01T00:00Z–2026-05-01T00:00Z · Meter SN-1 · 00:00–24:00 @ 10/kWh', 10],
        ['Adjustment: 2026-05-01T00:00Z–2026-06-01T00:00Z · Meter SN-1 · 00:00–24:00 @ 30/kWh', 30],
      ],
    );
  });

  it('rejects late usage for a period that has not ended before this one', () => {
    const build = () => buildInvoiceLines({ ...input, lateUsage: [{ period: june, usage: [] }] });
    assert.equal(codeOf(build), BillingErrorCodes.invalidAdjustmentPeriod);
    assert.equal(pathOf(build), 'lateUsage[0].period.periodEnd');
  });

  it('rejects late usage outside the period it claims, and period usage outside the period', () => {
    const lateOutside = () =>
      buildInvoiceLines({ ...input, lateUsage: [{ period: may, usage: [row('2026-04-30T23:00:00Z', 1)] }] });
    assert.equal(codeOf(lateOutside), BillingErrorCodes.usageOutsidePeriod);
    assert.equal(pathOf(lateOutside), 'lateUsage[0].usage[0].hourStart');
    const early = () => buildInvoiceLines({ ...input, periodUsage: [row('2026-05-31T23:00:00Z', 1)] });
    assert.equal(pathOf(early), 'periodUsage[0].hourStart');
  });
});
