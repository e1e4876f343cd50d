import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, eventually, graphql } from '@voltstream/testing';
import { DAY_MS, gql, issueInvoice, ledgerReaches, openAccountWhenMeterKnown, pastDay } from './billing-api';
import { newAdmin, newUser, recordReadings, registerMeter, settings } from './energy-api';

/**
 * Meter data quality end to end (issue #14): a meter with three weeks of quarter-hour history
 * misses one whole day. The write side estimates the day from the meter's own profile (the same
 * slot in earlier weeks), billing prices the estimate on lines marked estimated, and when the
 * real readings arrive after the invoice, the difference lands on the next invoice as
 * adjustments, to the minor unit.
 *
 * The history repeats every week, so every estimate (a mean of the same slot in earlier weeks) is
 * that slot's value exactly: the test knows each estimate without restating the estimator's
 * rounding.
 */

const QUARTER_MS = 900_000;
const WEEK_SLOTS = 7 * 96;
/** Night 00–07 at 10/kWh, day 07–24 at 31/kWh (UTC meter), no standing charge. */
const NIGHT_PRICE = 10;
const DAY_PRICE = 31;

/** Energy of the interval ending at `at` in the weekly profile, in Wh (never 0, never repeated next door). */
const profileWh = (start: number, at: number): number =>
  100 + (((((at - start) / QUARTER_MS) % WEEK_SLOTS) * 37) % 500);

/** Half-to-even rounding of numerator / denominator, as billing documents it (negatives too). */
function roundHalfEven(numerator: number, denominator: number): number {
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  if (remainder * 2 > denominator) return quotient + 1;
  if (remainder * 2 < denominator) return quotient;
  return quotient % 2 === 0 ? quotient : quotient + 1;
}

const bandOf = (at: number): 'night' | 'day' =>
  new Date(at - QUARTER_MS).getUTCHours() < 7 ? 'night' : 'day';

interface Line {
  description: string;
  quantityKwh: number | null;
  estimated: boolean;
  amount: { amountMinor: number };
}

interface Quality {
  intervals: number;
  measured: number;
  estimated: number;
  missing: number;
}

/** Adjustments say so first (late usage, corrections); usage lines have a quantity, the standing charge none. */
const isAdjustment = (line: Line): boolean => line.description.startsWith('Adjustment');
const isUsage = (line: Line): boolean => line.quantityKwh !== null && !isAdjustment(line);

async function dataQuality(
  token: string,
  meterId: string,
  from: number,
  to: number,
  consistency?: string,
): Promise<Quality> {
  const response = await graphql<{ meter: { dataQuality: Quality } }>(
    settings.gatewayUrl,
    `
      query ($id: ID!, $from: DateTime!, $to: DateTime!, $c: String) {
        meter(id: $id) {
          dataQuality(from: $from, to: $to, consistency: $c) {
            intervals
            measured
            estimated
            missing
          }
        }
      }
    `,
    { id: meterId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), c: consistency },
    { token },
  );
  return dataOf(response).meter.dataQuality;
}

async function invoiceLines(admin: string, accountId: string, start: number, end: number): Promise<Line[]> {
  const issued = dataOf(await issueInvoice(admin, accountId, new Date(start), new Date(end))).issueInvoice;
  const read = await gql<{ invoice: { lines: Line[] } }>(
    'query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) { lines { description quantityKwh estimated amount { amountMinor } } } }',
    { id: issued.id, c: issued.consistencyToken },
    admin,
  );
  return dataOf(read).invoice.lines;
}

/** Sums Wh per tariff band over intervals (each given by the instant it ends). */
function whByBand(ats: readonly number[], wh: (at: number) => number): { night: number; day: number } {
  const sums = { night: 0, day: 0 };
  for (const at of ats) sums[bandOf(at)] += wh(at);
  return sums;
}

const intervalsIn = (from: number, to: number): number[] =>
  Array.from({ length: (to - from) / QUARTER_MS }, (_, i) => from + (i + 1) * QUARTER_MS);

describe('meter data quality: a missing day is estimated, billed as estimated, and corrected on the next invoice', () => {
  let admin: string;
  let tariffId: string;
  before(async () => {
    admin = await newAdmin();
    tariffId = dataOf(
      await gql<{ createTariff: { id: string } }>(
        'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
        {
          input: {
            name: 'VEE two-rate',
            currency: 'EUR',
            standingChargePerDayMinor: 0,
            rates: [
              { fromHour: 0, toHour: 7, pricePerKwhMinor: NIGHT_PRICE },
              { fromHour: 7, toHour: 24, pricePerKwhMinor: DAY_PRICE },
            ],
          },
        },
        admin,
      ),
    ).createTariff.id;
  });

  it('estimates the gap from the profile, prices it as estimated, and carries real − estimate to the next invoice', async () => {
    const customer = await newUser();
    const meter = await registerMeter(customer, 'UTC');
    const start = pastDay(24).getTime();
    const historyEnd = start + 21 * DAY_MS;
    const gapStart = start + 16 * DAY_MS;
    const gapEnd = gapStart + DAY_MS;
    // The meter's last reading ends at historyEnd; the estimator fills at most 48 h after it.
    const trailingEnd = historyEnd + 2 * DAY_MS;
    const measuredAts = intervalsIn(start, historyEnd).filter((at) => at <= gapStart || at > gapEnd);
    const gapAts = intervalsIn(gapStart, gapEnd);
    const trailingAts = intervalsIn(historyEnd, trailingEnd);

    for (let i = 0; i < measuredAts.length; i += 1000) {
      const batch = measuredAts.slice(i, i + 1000).map((at) => ({
        at: new Date(at).toISOString(),
        kwh: profileWh(start, at) / 1000,
      }));
      dataOf(await recordReadings(customer, meter.id, batch));
    }
    const accountId = await openAccountWhenMeterKnown(customer, tariffId, meter.id);
    const sum = (ats: number[]) => ats.reduce((total, at) => total + profileWh(start, at), 0);
    // Billing has the history plus the estimates of the gap and of the 48 h after the last reading.
    await ledgerReaches(meter.id, sum(measuredAts) + sum(gapAts) + sum(trailingAts));

    // The estimator's event has no caller to give a token to: energy-query shows it when its
    // projector gets there (billing, another consumer, may be first).
    const gapQuality = await eventually(
      async () => {
        const quality = await dataQuality(customer, meter.id, gapStart, gapEnd);
        return quality.measured + quality.estimated === 96 ? quality : undefined;
      },
      30_000,
      'energy-query to show the estimated day',
    );
    assert.deepEqual(gapQuality, { intervals: 96, measured: 0, estimated: 96, missing: 0 });

    // First invoice: the three weeks, the missing day on lines of its own, marked estimated.
    const first = await invoiceLines(admin, accountId, start, historyEnd);
    const estimatedLines = first.filter((line) => line.estimated);
    const estimatedWh = whByBand(gapAts, (at) => profileWh(start, at));
    assert.deepEqual(
      estimatedLines.map((line) => Math.round((line.quantityKwh ?? 0) * 1000)).sort((a, b) => a - b),
      [estimatedWh.night, estimatedWh.day].sort((a, b) => a - b),
      JSON.stringify(first),
    );
    assert.deepEqual(
      estimatedLines.map((line) => line.amount.amountMinor).sort((a, b) => a - b),
      [
        roundHalfEven(estimatedWh.night * NIGHT_PRICE, 1000),
        roundHalfEven(estimatedWh.day * DAY_PRICE, 1000),
      ].sort((a, b) => a - b),
    );
    for (const line of estimatedLines) assert.match(line.description, /estimated/i);
    const measuredWh = whByBand(measuredAts, (at) => profileWh(start, at));
    const measuredLines = first.filter((line) => isUsage(line) && !line.estimated);
    assert.equal(
      measuredLines.reduce((total, line) => total + line.amount.amountMinor, 0),
      roundHalfEven(measuredWh.night * NIGHT_PRICE, 1000) + roundHalfEven(measuredWh.day * DAY_PRICE, 1000),
      JSON.stringify(first),
    );

    // The real readings of the day arrive after the invoice: at night above the estimate, by day below.
    const realWh = (at: number) => profileWh(start, at) + (bandOf(at) === 'night' ? 7 : -3);
    const corrected = dataOf(
      await graphql<{
        recordReadings: {
          accepted: number;
          duplicates: number;
          replacedEstimates: number;
          consistencyToken: string;
        };
      }>(
        settings.gatewayUrl,
        `
          mutation ($meterId: ID!, $readings: [ReadingInput!]!) {
            recordReadings(meterId: $meterId, readings: $readings) {
              accepted
              duplicates
              replacedEstimates
              consistencyToken
            }
          }
        `,
        {
          meterId: meter.id,
          readings: gapAts.map((at) => ({ at: new Date(at).toISOString(), kwh: realWh(at) / 1000 })),
        },
        { token: customer },
      ),
    ).recordReadings;
    const { consistencyToken: correctedToken, ...receipt } = corrected;
    assert.deepEqual(receipt, { accepted: 96, duplicates: 0, replacedEstimates: 96 });
    assert.ok(correctedToken, 'recordReadings returns a token to read the correction with');
    const again = dataOf(
      await recordReadings(
        customer,
        meter.id,
        gapAts.slice(0, 4).map((at) => ({ at: new Date(at).toISOString(), kwh: realWh(at) / 1000 })),
      ),
    ).recordReadings;
    assert.equal(again.duplicates, 4, 'a corrected interval sent again is a duplicate');
    await ledgerReaches(
      meter.id,
      sum(measuredAts) + gapAts.reduce((t, at) => t + realWh(at), 0) + sum(trailingAts),
    );
    const afterQuality = await dataQuality(customer, meter.id, gapStart, gapEnd, correctedToken);
    assert.deepEqual(afterQuality, { intervals: 96, measured: 96, estimated: 0, missing: 0 });

    // Second invoice: the 48 h after the last reading (estimated) and the day's correction.
    const second = await invoiceLines(admin, accountId, historyEnd, trailingEnd);
    // Per band the estimate is reversed on an estimated adjustment and the real energy billed on
    // a measured one: the day ends up priced exactly as if it had been read on time.
    const real = whByBand(gapAts, realWh);
    assert.ok(real.night > estimatedWh.night && real.day < estimatedWh.day, 'one band up, one down');
    const price = { night: NIGHT_PRICE, day: DAY_PRICE };
    const adjustments = second.filter(isAdjustment);
    const signedWh = (lines: Line[]) =>
      lines.map((line) => Math.round((line.quantityKwh ?? 0) * 1000)).sort((x, y) => x - y);
    assert.deepEqual(
      signedWh(adjustments.filter((line) => line.estimated)),
      [-estimatedWh.night, -estimatedWh.day].sort((x, y) => x - y),
      JSON.stringify(second),
    );
    assert.deepEqual(
      signedWh(adjustments.filter((line) => !line.estimated)),
      [real.night, real.day].sort((x, y) => x - y),
    );
    const priced = (wh: { night: number; day: number }) =>
      roundHalfEven(wh.night * price.night, 1000) + roundHalfEven(wh.day * price.day, 1000);
    assert.equal(
      adjustments.reduce((total, line) => total + line.amount.amountMinor, 0),
      priced(real) - priced(estimatedWh),
      'the difference, to the minor unit',
    );
    const trailingWh = whByBand(trailingAts, (at) => profileWh(start, at));
    const trailingLines = second.filter(isUsage);
    assert.ok(
      trailingLines.every((line) => line.estimated),
      JSON.stringify(second),
    );
    assert.equal(
      trailingLines.reduce((total, line) => total + line.amount.amountMinor, 0),
      priced(trailingWh),
    );

    // Corrected once: a third invoice carries nothing more for the day.
    const third = await invoiceLines(admin, accountId, trailingEnd, trailingEnd + DAY_MS);
    assert.equal(third.filter(isAdjustment).length, 0, JSON.stringify(third));
  });
});
