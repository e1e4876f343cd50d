import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { invoiceIssuedV1 } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { codeOf } from './billing-spec-helpers';
import { assembleInvoice, decideIssueInvoice, IssueInvoice } from './invoice';
import { buildInvoiceLines } from './invoice-lines';
import { validatePeriod } from './period';
import { createTariff, TariffRate } from './tariff';
import { BilledMeter, UsageHour } from './usage-pricing';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ACCOUNT = 'c3000000-0000-4000-8000-000000000001';
const METER = 'c3000000-0000-4000-8000-000000000002';
const tariff = createTariff({
  name: 'Flat',
  currency: 'GBP',
  standingChargePerDayMinor: 20,
  rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: 25 }],
});
const command: IssueInvoice = {
  type: 'IssueInvoice',
  invoiceId: 'c3000000-0000-4000-8000-000000000003',
  account: { accountId: ACCOUNT, ownerId: 'alice', invoicePrefix: 'VS42' },
  sequence: 7,
  tariff,
  meters: [{ meterId: METER, serialNumber: 'SN-1', timezone: 'Europe/London' }],
  period: { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-07-01T00:00:00Z') },
  periodUsage: [{ meterId: METER, hourStart: new Date('2026-06-02T10:00:00Z'), wh: 10_000 }],
  issuedAt: new Date('2026-07-01T06:00:00Z'),
};

describe('issuing an invoice', () => {
  it('numbers the invoice, totals its lines and makes it due 14 days after issue', () => {
    const event = decideIssueInvoice(command);
    assert.equal(event.number, 'VS42-000007');
    assert.deepEqual(
      event.lines.map((line) => line.amountMinor),
      [250, 600],
    );
    assert.equal(event.totalMinor, 850);
    assert.equal(event.status, 'ISSUED');
    assert.equal(event.dueAt, '2026-07-15T06:00:00.000Z');
    assert.deepEqual(invoiceIssuedV1(event, 'payload'), event);
  });

  it('takes a configured payment term', () => {
    assert.equal(decideIssueInvoice({ ...command, paymentTermDays: 30 }).dueAt, '2026-07-31T06:00:00.000Z');
    assert.equal(
      codeOf(() => decideIssueInvoice({ ...command, paymentTermDays: -1 })),
      BillingErrorCodes.invalidPaymentTerms,
    );
  });

  it('issues an invoice with nothing to pay as already paid', () => {
    const free = { ...tariff, standingChargePerDayMinor: 0 };
    const event = decideIssueInvoice({ ...command, tariff: free, periodUsage: [] });
    assert.equal(event.totalMinor, 0);
    assert.equal(event.status, 'PAID');
  });

  it('rejects a period that ends before it starts or lasts more than 93 days', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const period = (days: number) => ({ start, end: new Date(start.getTime() + days * DAY) });
    assert.equal(
      codeOf(() => validatePeriod(period(0))),
      BillingErrorCodes.invalidPeriod,
    );
    assert.equal(
      codeOf(() => validatePeriod(period(-1))),
      BillingErrorCodes.invalidPeriod,
    );
    assert.equal(
      codeOf(() => validatePeriod(period(93))),
      'accepted',
    );
    assert.equal(
      codeOf(() => validatePeriod({ ...period(93), end: new Date(start.getTime() + 93 * DAY + 1) })),
      BillingErrorCodes.invalidPeriod,
    );
    assert.equal(
      codeOf(() => decideIssueInvoice({ ...command, period: period(94) })),
      BillingErrorCodes.invalidPeriod,
    );
  });
});

const ZONES = ['Europe/London', 'Asia/Kolkata', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
const ratesArb = fc.uniqueArray(fc.integer({ min: 1, max: 23 }), { maxLength: 6 }).chain((cuts) => {
  const bounds = [0, ...cuts.sort((a, b) => a - b), 24];
  return fc.tuple(...bounds.slice(1).map(() => fc.integer({ min: 0, max: 100_000 }))).map((prices) =>
    prices.map((pricePerKwhMinor, i): TariffRate => ({
      fromHour: bounds[i],
      toHour: bounds[i + 1],
      pricePerKwhMinor,
    })),
  );
});
const invoiceArb = fc
  .record({
    rates: ratesArb,
    standingChargePerDayMinor: fc.integer({ min: 0, max: 10_000 }),
    startHour: fc.integer({ min: 0, max: 365 * 24 }),
    hours: fc.integer({ min: 1, max: 93 * 24 }),
    zones: fc.array(fc.constantFrom(...ZONES), { minLength: 1, maxLength: 3 }),
    rows: fc.array(
      fc.record({ meter: fc.nat(), hour: fc.nat(), wh: fc.integer({ min: 0, max: 50_000_000 }) }),
      { maxLength: 40 },
    ),
  })
  .map((spec) => {
    const start = Date.UTC(2026, 0, 1) + spec.startHour * HOUR;
    const meters: BilledMeter[] = spec.zones.map((timezone, i) => ({
      meterId: `d4000000-0000-4000-8000-00000000000${i}`,
      serialNumber: `SN-${i}`,
      timezone,
    }));
    const usage: UsageHour[] = spec.rows.map((row) => ({
      meterId: meters[row.meter % meters.length].meterId,
      hourStart: new Date(start + (row.hour % spec.hours) * HOUR),
      wh: row.wh,
    }));
    const tariff = createTariff({
      name: 'Generated',
      currency: 'EUR',
      standingChargePerDayMinor: spec.standingChargePerDayMinor,
      rates: spec.rates,
    });
    return {
      tariff,
      meters,
      usage,
      period: { start: new Date(start), end: new Date(start + spec.hours * HOUR) },
    };
  });

describe('invoice properties', () => {
  it('always totals exactly the sum of its lines', () => {
    fc.assert(
      fc.property(invoiceArb, ({ tariff, meters, usage, period }) => {
        const lines = buildInvoiceLines({ tariff, meters, period, periodUsage: usage });
        const invoice = assembleInvoice(lines, period.end);
        assert.equal(
          invoice.totalMinor,
          lines.reduce((sum, line) => sum + line.amountMinor, 0),
        );
      }),
    );
  });

  it('prices every Wh of usage exactly once, each line rounded half to even from its exact amount', () => {
    fc.assert(
      fc.property(invoiceArb, ({ tariff, meters, usage, period }) => {
        const lines = buildInvoiceLines({ tariff, meters, period, periodUsage: usage });
        const usageLines = lines.filter((line) => line.kind === 'USAGE');
        const priced = usageLines.reduce((sum, line) => sum + (line.quantityWh ?? 0), 0);
        assert.equal(
          priced,
          usage.reduce((sum, row) => sum + row.wh, 0),
        );
        for (const line of usageLines) {
          const price = Number(/@ (\d+)\/kWh$/.exec(line.description)![1]);
          const exact = (line.quantityWh! * price) / 1000;
          assert.ok(
            Math.abs(line.amountMinor - exact) <= 0.5,
            `${line.description}: ${line.amountMinor} vs ${exact}`,
          );
        }
      }),
    );
  });
});
