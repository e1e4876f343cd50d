import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, graphql, GraphQLResponse } from '@voltstream/testing';
import { newUser, quarterHourReadings, recordReadings, registerMeter, settings } from './energy-api';

const DAY = 86_400_000;
const QUARTER = 900_000;

interface Quality {
  intervals: number;
  measured: number;
  estimated: number;
  missing: number;
  flagged: number;
  frozen: number;
  spikes: number;
  measuredShare: number;
  missingShare: number;
  flaggedShare: number;
}

interface Bucket {
  start: string;
  kwh: number;
  estimatedKwh: number;
  readings: number;
  complete: boolean;
}

function dataQuality(
  token: string,
  meterId: string,
  from: Date,
  to: Date,
  consistency?: string,
): Promise<GraphQLResponse<{ meter: { dataQuality: Quality } }>> {
  return graphql(
    settings.gatewayUrl,
    `
      query ($id: ID!, $from: DateTime!, $to: DateTime!, $consistency: String) {
        meter(id: $id) {
          dataQuality(from: $from, to: $to, consistency: $consistency) {
            intervals
            measured
            estimated
            missing
            flagged
            frozen
            spikes
            measuredShare
            missingShare
            flaggedShare
          }
        }
      }
    `,
    { id: meterId, from: from.toISOString(), to: to.toISOString(), consistency },
    { token },
  );
}

async function hourBuckets(token: string, meterId: string, from: Date, to: Date, consistency: string) {
  const response = await graphql<{ meter: { consumption: { nodes: Bucket[] } } }>(
    settings.gatewayUrl,
    `
      query ($id: ID!, $from: DateTime!, $to: DateTime!, $consistency: String) {
        meter(id: $id, consistency: $consistency) {
          consumption(from: $from, to: $to, granularity: HOUR) {
            nodes {
              start
              kwh
              estimatedKwh
              readings
              complete
            }
          }
        }
      }
    `,
    { id: meterId, from: from.toISOString(), to: to.toISOString(), consistency },
    { token },
  );
  return dataOf(response).meter.consumption.nodes;
}

/** `count` readings of `kwh` each, ending every quarter hour after `from`. */
const flat = (from: Date, count: number, kwh: number) =>
  Array.from({ length: count }, (_, i) => ({
    at: new Date(from.getTime() + (i + 1) * QUARTER).toISOString(),
    kwh,
  }));

describe('meter data quality through the gateway', () => {
  let user = '';
  let meterId = '';
  let token = '';
  // Two days of ordinary history, then a day with a frozen register, a spike and a gap.
  const historyStart = new Date(Math.floor((Date.now() - 5 * DAY) / DAY) * DAY);
  const flagDay = new Date(historyStart.getTime() + 2 * DAY);
  const at = (hours: number) => new Date(flagDay.getTime() + hours * 3_600_000);
  const frozen = flat(flagDay, 14, 0.321);
  const spike = { at: at(3.75).toISOString(), kwh: 20 };
  // 04:00–06:30 measured, 06:30–08:00 missing, 08:00–10:00 measured.
  const beforeGap = quarterHourReadings(at(3.75).toISOString(), 11, 3);
  const afterGap = quarterHourReadings(at(8).toISOString(), 8, 5);

  before(async () => {
    user = await newUser();
    meterId = (await registerMeter(user, 'UTC')).id;
    const history = quarterHourReadings(historyStart.toISOString(), 2 * 96, 7);
    assert.notEqual(history.at(-1)!.kwh, 0.321);
    token = dataOf(await recordReadings(user, meterId, history)).recordReadings.consistencyToken;
    // The history is projected before the day is sent, so what is checked below does not depend
    // on how the projector batches them (docs/design.md, approximations).
    dataOf(await dataQuality(user, meterId, historyStart, flagDay, token));
    for (const batch of [frozen.slice(0, 7), frozen.slice(7), [spike], beforeGap, afterGap]) {
      token = dataOf(await recordReadings(user, meterId, batch)).recordReadings.consistencyToken;
    }
  });

  it('counts a frozen run, one spike and the missing intervals of the flagged day', async () => {
    const quality = dataOf(await dataQuality(user, meterId, flagDay, at(12), token)).meter.dataQuality;
    const measured = frozen.length + 1 + beforeGap.length + afterGap.length;
    assert.ok(quality.frozen >= 12, `frozen ${quality.frozen}`);
    assert.deepEqual(
      {
        intervals: quality.intervals,
        measured: quality.measured,
        estimated: quality.estimated,
        missing: quality.missing,
        frozen: quality.frozen,
        spikes: quality.spikes,
        flagged: quality.flagged,
      },
      { intervals: 48, measured, estimated: 0, missing: 48 - measured, frozen: 14, spikes: 1, flagged: 15 },
    );
    assert.equal(quality.flaggedShare, 15 / 48);
    assert.equal(quality.missingShare, (48 - measured) / 48);
  });

  it('shows no flag and nothing missing over the ordinary history', async () => {
    const quality = dataOf(await dataQuality(user, meterId, historyStart, flagDay, token)).meter.dataQuality;
    assert.deepEqual(
      [quality.intervals, quality.measured, quality.missing, quality.flagged, quality.measuredShare],
      [192, 192, 0, 0, 1],
    );
  });

  it('marks hour buckets complete only when every interval is there', async () => {
    const buckets = await hourBuckets(user, meterId, at(4), at(10), token);
    assert.deepEqual(
      buckets.map((b) => [b.start, b.readings, b.complete, b.estimatedKwh]),
      [
        [at(4).toISOString(), 4, true, 0],
        [at(5).toISOString(), 4, true, 0],
        [at(6).toISOString(), 2, false, 0],
        [at(8).toISOString(), 4, true, 0],
        [at(9).toISOString(), 4, true, 0],
      ],
    );
  });

  it('refuses a range that ends before it starts, or spans more than 366 days, with stable codes', async () => {
    const backwards = await dataQuality(user, meterId, at(5), at(4));
    assert.equal(
      backwards.errors?.[0]?.extensions?.code,
      'ENERGY.INVALID_RANGE',
      JSON.stringify(backwards.errors),
    );
    const tooLong = await dataQuality(user, meterId, new Date(flagDay.getTime() - 400 * DAY), flagDay);
    assert.equal(
      tooLong.errors?.[0]?.extensions?.code,
      'ENERGY.RANGE_TOO_LARGE',
      JSON.stringify(tooLong.errors),
    );
  });
});
