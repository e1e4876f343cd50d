import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf } from '@voltstream/testing';
import { newUser, readConsumption, recordReadings, registerMeter, totalWh } from './energy-api';

const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Pages through one connection and returns its buckets and the total it reports. */
async function allBuckets(
  user: string,
  meterId: string,
  args: { from: string; to: string; granularity: string; consistency: string },
) {
  const nodes: { kwh: number; readings: number }[] = [];
  let after: string | undefined;
  let totalKwh = 0;
  do {
    const page = dataOf(
      await readConsumption(user, meterId, { ...args, first: 500, ...(after ? { after } : {}) }),
    ).meter.consumption;
    nodes.push(...page.nodes);
    totalKwh = page.totalKwh;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor! : undefined;
  } while (after);
  return { nodes, totalKwh };
}

describe('energy at volume through the gateway', () => {
  it('takes 10,000 readings in batches of 1000 and reports DAY and HOUR totals equal to the Wh', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'America/New_York');
    // The readings end within the last hour and go newest batch first, so the meter never has a
    // gap past the grace period: a history that stopped days ago, or that arrives oldest first,
    // has its trailing hours estimated by the write side (VEE, docs/design.md) once it holds two
    // weeks of same-slot history, and this test counts measured Wh only.
    const start = Math.floor((Date.now() - 10_000 * QUARTER) / HOUR) * HOUR;
    const readings = Array.from({ length: 10_000 }, (_, i) => ({
      at: new Date(start + (i + 1) * QUARTER).toISOString(),
      kwh: ((i * 7919) % 2000) / 1000,
    }));
    let token = '';
    for (let i = readings.length - 1000; i >= 0; i -= 1000) {
      const receipt = dataOf(
        await recordReadings(user, meter.id, readings.slice(i, i + 1000)),
      ).recordReadings;
      assert.equal(receipt.accepted, 1000);
      token = receipt.consistencyToken;
    }
    const expectedWh = totalWh(readings);
    const from = new Date(start - DAY).toISOString();
    const middle = new Date(start + 60 * DAY).toISOString();
    const to = new Date(start + 106 * DAY).toISOString();

    const days = await allBuckets(user, meter.id, { from, to, granularity: 'DAY', consistency: token });
    assert.equal(Math.round(days.totalKwh * 1000), expectedWh);
    assert.equal(
      days.nodes.reduce((n, b) => n + b.readings, 0),
      10_000,
    );

    // HOUR spans at most 93 days per request: two windows, each paged.
    const early = await allBuckets(user, meter.id, {
      from,
      to: middle,
      granularity: 'HOUR',
      consistency: token,
    });
    const late = await allBuckets(user, meter.id, {
      from: middle,
      to,
      granularity: 'HOUR',
      consistency: token,
    });
    const hourlyWh = Math.round(early.totalKwh * 1000) + Math.round(late.totalKwh * 1000);
    assert.equal(hourlyWh, expectedWh);
    const hourBucketsWh = [...early.nodes, ...late.nodes].reduce(
      (sum, b) => sum + Math.round(b.kwh * 1000),
      0,
    );
    assert.equal(hourBucketsWh, expectedWh);

    const months = await allBuckets(user, meter.id, { from, to, granularity: 'MONTH', consistency: token });
    assert.equal(Math.round(months.totalKwh * 1000), expectedWh);
    assert.equal(
      months.nodes.reduce((n, b) => n + b.readings, 0),
      10_000,
    );

    // INTERVAL: one bucket per reading whose interval starts in the window.
    const weekStart = start + 10 * DAY;
    const inWeek = readings.filter(
      (r) => Date.parse(r.at) - QUARTER >= weekStart && Date.parse(r.at) - QUARTER < weekStart + 7 * DAY,
    );
    const intervals = await allBuckets(user, meter.id, {
      from: new Date(weekStart).toISOString(),
      to: new Date(weekStart + 7 * DAY).toISOString(),
      granularity: 'INTERVAL',
      consistency: token,
    });
    assert.equal(intervals.nodes.length, inWeek.length);
    assert.equal(Math.round(intervals.totalKwh * 1000), totalWh(inWeek));
  });
});
