import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invoiceIssuedV1 } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { codeOf, pathOf } from './billing-spec-helpers';
import { decideVoidInvoice } from './credit-note';
import { assembleInvoice, creditFromNegativeTotal, decideIssueInvoice, IssueInvoice } from './invoice';
import { buildInvoiceLines } from './invoice-lines';
import { amountDueMinor, invoiceFromIssued } from './invoice-state';
import { energyChargeMinor } from './money';
import { createTariff } from './tariff';
import { priceUsage, UsageHour } from './usage-pricing';

const METER = 'd4000000-0000-4000-8000-000000000001';
const meters = [{ meterId: METER, serialNumber: 'SN-1', timezone: 'UTC' }];
/** Off-peak 00–07 at 30/kWh, peak 07–24 at 45/kWh: odd Wh give halves to round. */
const tariff = createTariff({
  name: 'Two rates',
  currency: 'GBP',
  standingChargePerDayMinor: 10,
  rates: [
    { fromHour: 0, toHour: 7, pricePerKwhMinor: 30 },
    { fromHour: 7, toHour: 24, pricePerKwhMinor: 45 },
  ],
});
const june = { start: new Date('2026-06-01T00:00:00Z'), end: new Date('2026-07-01T00:00:00Z') };
const may = { start: new Date('2026-05-01T00:00:00Z'), end: new Date('2026-06-01T00:00:00Z') };
const row = (hourStart: string, wh: number, estimated = false): UsageHour => ({
  meterId: METER,
  hourStart: new Date(hourStart),
  wh,
  ...(estimated ? { estimated } : {}),
});
const shape = (lines: ReturnType<typeof priceUsage>) =>
  lines.map((line) => [line.kind, line.description, line.quantityWh, line.amountMinor, line.estimated]);

describe('pricing estimated usage apart from measured usage', () => {
  it('gives each band a measured line then an estimated line, each rounded half to even from its own exact Wh', () => {
    const lines = priceUsage(
      [
        row('2026-06-02T01:00:00Z', 1050),
        row('2026-06-02T02:00:00Z', 1050, true),
        row('2026-06-02T12:00:00Z', 700, true),
      ],
      june,
      { tariff, meters },
    );
    // 1050 Wh × 30 = 31.5 → 32 on each line, where one line of 2100 Wh would be 63.
    assert.deepEqual(shape(lines), [
      ['USAGE', 'Meter SN-1 · 00:00–07:00 @ 30/kWh', 1050, 32, false],
      ['USAGE', 'Meter SN-1 · 00:00–07:00 @ 30/kWh (estimated)', 1050, 32, true],
      ['USAGE', 'Meter SN-1 · 07:00–24:00 @ 45/kWh (estimated)', 700, 32, true], // 31.5 → 32
    ]);
  });

  it('adds the measured and estimated rows of one hour to their own lines', () => {
    const lines = priceUsage(
      [
        row('2026-06-02T12:00:00Z', 900),
        row('2026-06-02T12:00:00Z', 100, true),
        row('2026-06-02T13:00:00Z', 300, true),
      ],
      june,
      { tariff, meters },
    );
    assert.deepEqual(
      lines.map((line) => [line.quantityWh, line.estimated]),
      [
        [900, false],
        [400, true],
      ],
    );
  });

  it('refuses negative usage of the period itself, naming the row', () => {
    const price = () => priceUsage([row('2026-06-02T12:00:00Z', -1, true)], june, { tariff, meters });
    assert.equal(codeOf(price), BillingErrorCodes.invalidUsage);
    assert.equal(pathOf(price), 'usage[0].wh');
  });
});

describe('adjustments when real readings replace invoiced estimates', () => {
  /** May's invoice billed 2 h of 1050 Wh estimated off-peak; the real readings were 1 h of 1350 and 1 h of 850. */
  const correction = [
    row('2026-05-20T01:00:00Z', 1350),
    row('2026-05-20T01:00:00Z', -1050, true),
    row('2026-05-20T02:00:00Z', 850),
    row('2026-05-20T02:00:00Z', -1050, true),
  ];
  const adjustments = (usage: UsageHour[]) =>
    buildInvoiceLines({
      tariff,
      meters,
      period: june,
      periodUsage: [],
      lateUsage: [{ period: may, usage }],
    }).filter((line) => line.kind === 'ADJUSTMENT');

  it('bills the real Wh and takes the estimate back, so the band moves by price(real) − price(estimate) exactly', () => {
    const lines = adjustments(correction);
    const original = 'Adjustment: 2026-05-01T00:00Z–2026-06-01T00:00Z · Meter SN-1 · 00:00–07:00 @ 30/kWh';
    assert.deepEqual(shape(lines), [
      ['ADJUSTMENT', original, 2200, 66, false],
      ['ADJUSTMENT', `${original} (estimated)`, -2100, -63, true],
    ]);
    const net = lines.reduce((sum, line) => sum + line.amountMinor, 0);
    assert.equal(net, energyChargeMinor(2200, 30) - energyChargeMinor(2100, 30));
  });

  it('rounds a negative half to even, as it rounds a positive one', () => {
    const lines = adjustments([
      row('2026-05-20T01:00:00Z', -1050, true),
      row('2026-05-20T12:00:00Z', -900, true),
    ]);
    // −31.5 → −32 (32 is even), −40.5 → −40 (40 is even).
    assert.deepEqual(
      lines.map((line) => line.amountMinor),
      [-32, -40],
    );
  });

  it('shows nothing for a band whose corrections cancel out', () => {
    const lines = adjustments([
      row('2026-05-20T01:00:00Z', 500, true),
      row('2026-05-20T02:00:00Z', -500, true),
    ]);
    assert.deepEqual(lines, []);
  });

  it('lets only adjustments be negative on an invoice', () => {
    const [usage] = priceUsage([row('2026-06-02T12:00:00Z', 1000)], june, { tariff, meters });
    const issuedAt = new Date('2026-07-01T06:00:00Z');
    assert.equal(
      codeOf(() => assembleInvoice([{ ...usage, amountMinor: -45 }], issuedAt)),
      BillingErrorCodes.invalidAmount,
    );
    assert.equal(
      codeOf(() => assembleInvoice([{ ...usage, kind: 'ADJUSTMENT', amountMinor: -45 }], issuedAt)),
      'accepted',
    );
  });
});

describe('an invoice whose corrections outweigh the rest', () => {
  const command: IssueInvoice = {
    type: 'IssueInvoice',
    invoiceId: 'd4000000-0000-4000-8000-000000000002',
    account: { accountId: 'd4000000-0000-4000-8000-000000000003', ownerId: 'alice', invoicePrefix: 'VS42' },
    sequence: 2,
    tariff,
    meters,
    period: june,
    periodUsage: [row('2026-06-02T12:00:00Z', 1000)],
    lateUsage: [{ period: may, usage: [row('2026-05-20T01:00:00Z', -100_000, true)] }],
    issuedAt: new Date('2026-07-01T06:00:00Z'),
  };

  it('is PAID at issue with nothing due, its negated total left to the account as credit', () => {
    const event = decideIssueInvoice(command);
    // 45 usage + 300 standing charge − 3000 estimate taken back.
    assert.equal(event.totalMinor, 45 + 300 - 3000);
    assert.equal(event.status, 'PAID');
    assert.equal(amountDueMinor(invoiceFromIssued(event)), 0);
    assert.equal(creditFromNegativeTotal(event.totalMinor), 2655);
    assert.deepEqual(invoiceIssuedV1(event, 'payload'), event);
  });

  it('leaves no credit from an invoice that is not negative', () => {
    const event = decideIssueInvoice({ ...command, lateUsage: [] });
    assert.equal(creditFromNegativeTotal(event.totalMinor), 0);
  });

  it('cannot be voided, since its credit went to the account when it was issued', () => {
    const event = decideIssueInvoice(command);
    const voiding = () =>
      decideVoidInvoice(
        { state: invoiceFromIssued(event), ownerId: 'alice', number: event.number, lines: event.lines },
        {
          type: 'VoidInvoice',
          reason: 'wrong',
          now: new Date('2026-07-02T00:00:00Z'),
          creditNoteId: 'd4000000-0000-4000-8000-000000000004',
          sequence: 1,
        },
      );
    assert.equal(codeOf(voiding), BillingErrorCodes.invoiceNegativeTotal);
  });
});
