import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, beforeEach, describe, it } from 'node:test';
import {
  ENERGY_AGGREGATE,
  EnergyEventTypes,
  EventEnvelope,
  InvoiceIssuedV1,
  Topics,
} from '@voltstream/contracts';
import {
  Caller,
  ConsumedEvent,
  EventOutbox,
  JsonLogger,
  newEnvelope,
  ServiceMetrics,
} from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { CreateTariffHandler } from '../create-tariff/create-tariff.handler';
import { BillingRun } from '../issue-invoice/billing-run';
import { BillingRunMetrics } from '../issue-invoice/billing-run-metrics';
import { IssueInvoiceHandler } from '../issue-invoice/issue-invoice.handler';
import { OpenBillingAccountHandler } from '../open-billing-account/open-billing-account.handler';
import { scratchBillingCommandSchema } from '../testing/scratch-schema';
import { UsageLedgerProjection } from './usage-ledger.projection';

const ADMIN: Caller = { userId: 'billing-admin', roles: ['ADMIN'] };
const HALF_HOUR = 1_800_000;
const month = (start: string, end: string) => ({ start: new Date(start), end: new Date(end) });
const SEPTEMBER = month('2026-09-01T00:00:00Z', '2026-10-01T00:00:00Z');
const OCTOBER = month('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z');
const NOVEMBER = month('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z');

/** The ends of a UTC day's 48 half-hour intervals (00:30 … 24:00), split where off-peak ends (07:00). */
function halfHoursOf(day: string): { offPeak: string[]; peak: string[] } {
  const start = new Date(`${day}T00:00:00Z`).getTime();
  const ends = Array.from({ length: 48 }, (_, i) => new Date(start + (i + 1) * HALF_HOUR).toISOString());
  return { offPeak: ends.slice(0, 14), peak: ends.slice(14) };
}

/** One meter's events in order, as energy-command publishes them (one version sequence per meter). */
function meterStream(ownerId: string) {
  const meterId = randomUUID();
  let version = 0;
  const next = (type: string, schemaVersion: number, payload: unknown): EventEnvelope =>
    newEnvelope({
      type,
      schemaVersion,
      aggregateType: ENERGY_AGGREGATE,
      aggregateId: meterId,
      aggregateVersion: (version += 1),
      payload,
    });
  return {
    meterId,
    registered: () =>
      next(EnergyEventTypes.MeterRegistered, 1, {
        meterId,
        ownerId,
        serialNumber: `SN-${meterId.slice(0, 8)}`,
        timezone: 'UTC',
        intervalMinutes: 30,
        registeredAt: '2026-08-01T00:00:00.000Z',
      }),
    measured: (ends: readonly string[], wh: number, replacesEstimateWh: number | null = null) =>
      next(EnergyEventTypes.ReadingsRecorded, 2, {
        meterId,
        readings: ends.map((at) => ({ at, wh, replacesEstimateWh })),
      }),
    estimated: (ends: readonly string[], wh: number) =>
      next(EnergyEventTypes.IntervalsEstimated, 1, { meterId, intervals: ends.map((at) => ({ at, wh })) }),
  };
}

type LineShape = [kind: string, estimated: boolean, quantityWh: number | null, amountMinor: number];
const shape = (invoice: InvoiceIssuedV1): LineShape[] =>
  invoice.lines.map((line) => [line.kind, line.estimated, line.quantityWh, line.amountMinor]);
const bandOf = (description: string) => (description.includes('00:00–07:00') ? 'offPeak' : 'peak');

describe('estimated usage in the usage ledger and on invoices (real database)', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let issue: IssueInvoiceHandler;
  let billingRun: BillingRun;
  const ledger = new UsageLedgerProjection();
  const consumed = (envelopes: readonly EventEnvelope[]): ConsumedEvent[] =>
    envelopes.map((envelope, i) => ({ envelope, topic: Topics.energy, partition: 0, offset: String(i) }));
  const apply = (...envelopes: EventEnvelope[]) =>
    db.transaction((tx) => ledger.apply(consumed(envelopes), tx));
  const usageRows = () =>
    db.query<Record<string, string>[]>(
      `SELECT meter_id, hour_start, wh::text, late_wh::text, estimated_wh::text, late_estimated_wh::text
       FROM usage_hourly ORDER BY meter_id, hour_start`,
    );
  const creditOf = async (accountId: string) =>
    Number(
      (
        await db.query<{ credit_minor: string }[]>(
          'SELECT credit_minor FROM billing_accounts WHERE id = $1',
          [accountId],
        )
      )[0].credit_minor,
    );
  const runBilling = async (
    period: { start: Date; end: Date },
    accountId: string,
  ): Promise<InvoiceIssuedV1> => {
    assert.equal(await billingRun.run(db, period), 1);
    const [row] = await db.query<{ envelope: { payload: InvoiceIssuedV1 } }[]>(
      `SELECT envelope FROM outbox WHERE envelope->>'type' = 'billing.InvoiceIssued'
         AND envelope->'payload'->>'accountId' = $1 AND envelope->'payload'->>'periodStart' = $2`,
      [accountId, period.start.toISOString()],
    );
    return row.envelope.payload;
  };

  /** A customer with one half-hourly meter on a two-rate tariff, billed from September. */
  async function customer() {
    const owner = `owner-${randomUUID()}`;
    const meter = meterStream(owner);
    await apply(meter.registered());
    const outbox = new EventOutbox('billing-command-test', Topics.billing);
    const { tariff } = await new CreateTariffHandler(db, outbox).execute(ADMIN, {
      name: 'Two rates',
      currency: 'GBP',
      standingChargePerDayMinor: 10,
      rates: [
        { fromHour: 0, toHour: 7, pricePerKwhMinor: 27 },
        { fromHour: 7, toHour: 24, pricePerKwhMinor: 45 },
      ],
    });
    const { account } = await new OpenBillingAccountHandler(db, outbox).execute(
      { userId: owner, roles: [] },
      { tariffId: tariff.tariffId, meterIds: [meter.meterId] },
    );
    // Opened "before" September, so the months below are the account's to bill.
    await db.query(`UPDATE billing_accounts SET opened_at = '2026-08-01T00:00:00Z' WHERE id = $1`, [
      account.accountId,
    ]);
    await db.query(`UPDATE account_meters SET billed_from = '2026-08-01T00:00:00Z' WHERE account_id = $1`, [
      account.accountId,
    ]);
    return { meter, accountId: account.accountId };
  }

  beforeEach(async () => {
    await drop?.();
    ({ db, drop } = await scratchBillingCommandSchema());
    const outbox = new EventOutbox('billing-command-test', Topics.billing);
    issue = new IssueInvoiceHandler(db, outbox, 14);
    billingRun = new BillingRun(
      db,
      outbox,
      new BillingRunMetrics(new ServiceMetrics('billing-command-test')),
      new JsonLogger('billing-command-test', 'error'),
      { batchSize: 100, concurrency: 1, paymentTermDays: 14 },
    );
  });

  after(() => drop?.());

  it('bills an estimated day of an un-invoiced month on estimated lines, each priced from its exact Wh, the same after redelivery', async () => {
    const { meter, accountId } = await customer();
    const day1 = halfHoursOf('2026-09-01');
    const day2 = halfHoursOf('2026-09-02');
    const events = [
      meter.measured([...day1.offPeak, ...day1.peak], 150),
      meter.estimated([...day2.offPeak, ...day2.peak], 111),
    ];
    await apply(...events);
    const ledgerOnce = await usageRows();
    await apply(...events);
    await apply(meter.registered(), ...events);
    assert.deepEqual(await usageRows(), ledgerOnce, 'redelivered events change nothing');

    const { invoice } = await issue.execute(ADMIN, accountId, SEPTEMBER);
    assert.deepEqual(shape(invoice), [
      ['USAGE', false, 2100, 57], // 14 × 150 Wh × 27/kWh = 56.7
      ['USAGE', true, 1554, 42], // 14 × 111 Wh × 27/kWh = 41.958
      ['USAGE', false, 5100, 230], // 34 × 150 Wh × 45/kWh = 229.5, half to even
      ['USAGE', true, 3774, 170], // 34 × 111 Wh × 45/kWh = 169.83
      ['STANDING_CHARGE', false, null, 300],
    ]);
    assert.match(invoice.lines[1].description, /\(estimated\)$/);
    assert.doesNotMatch(invoice.lines[0].description, /estimated/);
    assert.equal(invoice.totalMinor, 57 + 42 + 230 + 170 + 300);
  });

  it('carries real readings that replace invoiced estimates to the next invoice as price(real) − price(estimate) per band, once', async () => {
    const { meter, accountId } = await customer();
    const day2 = halfHoursOf('2026-09-02');
    const estimates = meter.estimated([...day2.offPeak, ...day2.peak], 111);
    await apply(estimates);
    await issue.execute(ADMIN, accountId, SEPTEMBER);

    // Off-peak the real readings are higher than the estimate, at peak lower.
    const corrections = [meter.measured(day2.offPeak, 160, 111), meter.measured(day2.peak, 70, 111)];
    const october = meter.measured(halfHoursOf('2026-10-05').peak.slice(10, 14), 200);
    await apply(...corrections, october);
    const lateHour = (await usageRows()).find(
      (row) => new Date(row.hour_start).getTime() === Date.parse('2026-09-02T12:00:00Z'),
    );
    assert.deepEqual(
      {
        wh: lateHour?.wh,
        late: lateHour?.late_wh,
        est: lateHour?.estimated_wh,
        lateEst: lateHour?.late_estimated_wh,
      },
      { wh: '222', late: '-82', est: '222', lateEst: '-222' },
    );
    await apply(...corrections, october);

    const invoice = await runBilling(OCTOBER, accountId);
    const adjustments = invoice.lines.filter((line) => line.kind === 'ADJUSTMENT');
    assert.deepEqual(
      adjustments.map((line) => [
        bandOf(line.description),
        line.estimated,
        line.quantityWh,
        line.amountMinor,
      ]),
      [
        ['offPeak', false, 2240, 60], // 14 × 160 Wh × 27/kWh = 60.48
        ['offPeak', true, -1554, -42], // the September estimate, 41.958 → 42, taken back
        ['peak', false, 2380, 107], // 34 × 70 Wh × 45/kWh = 107.1
        ['peak', true, -3774, -170],
      ],
    );
    const perBand = (band: string) =>
      adjustments
        .filter((line) => bandOf(line.description) === band)
        .reduce((sum, l) => sum + l.amountMinor, 0);
    // price(real) − price(estimate): 60 − 42 and 107 − 170. (Pricing the 686 Wh difference alone would give 19.)
    assert.equal(perBand('offPeak'), 18);
    assert.equal(perBand('peak'), -63);
    assert.deepEqual(
      shape(invoice).filter(([kind]) => kind !== 'ADJUSTMENT'),
      [
        ['USAGE', false, 800, 36],
        ['STANDING_CHARGE', false, null, 310],
      ],
    );
    assert.equal(invoice.totalMinor, 36 + 310 + 18 - 63);
    assert.match(adjustments[1].description, /^Adjustment: .*\(estimated\)$/);

    // Billed: the hour holds the real reading, nothing estimated or late is left; redelivery changes nothing.
    const billed = await usageRows();
    assert.ok(
      billed.every((row) => row.estimated_wh === '0' && row.late_wh === '0' && row.late_estimated_wh === '0'),
    );
    await apply(estimates, ...corrections, october);
    assert.deepEqual(await usageRows(), billed);
    const { invoice: next } = await issue.execute(ADMIN, accountId, NOVEMBER);
    assert.deepEqual(shape(next), [['STANDING_CHARGE', false, null, 300]]);
  });

  it('bills an estimate that reaches an already invoiced hour as a positive estimated adjustment', async () => {
    const { meter, accountId } = await customer();
    await issue.execute(ADMIN, accountId, SEPTEMBER);
    await apply(meter.estimated(halfHoursOf('2026-09-30').peak.slice(0, 2), 500));
    const invoice = await runBilling(OCTOBER, accountId);
    assert.deepEqual(
      shape(invoice).filter(([kind]) => kind === 'ADJUSTMENT'),
      [['ADJUSTMENT', true, 1000, 45]],
    );
  });

  it('turns an invoice that corrections make negative into account credit the next invoice spends', async () => {
    const { meter, accountId } = await customer();
    const day2 = halfHoursOf('2026-09-02');
    await apply(meter.estimated([...day2.offPeak, ...day2.peak], 5000));
    await issue.execute(ADMIN, accountId, SEPTEMBER);
    await apply(meter.measured([...day2.offPeak, ...day2.peak], 10, 5000));

    const october = await runBilling(OCTOBER, accountId);
    // 310 standing + 140 Wh @27 (3.78) + 340 Wh @45 (15.3) − 70 kWh @27 − 170 kWh @45.
    assert.equal(october.totalMinor, 310 + 4 + 15 - 1890 - 7650);
    assert.equal(october.status, 'PAID');
    assert.equal(await creditOf(accountId), 9211);

    const { invoice, now } = await issue.execute(ADMIN, accountId, NOVEMBER);
    assert.equal(invoice.totalMinor, 300);
    assert.deepEqual(now, { amountDueMinor: 0, status: 'PAID' });
    assert.equal(await creditOf(accountId), 9211 - 300);
  });
});
