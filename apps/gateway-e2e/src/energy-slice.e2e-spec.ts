import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, eventually, graphql } from '@voltstream/testing';
import {
  newAdmin,
  newUser,
  quarterHourReadings,
  readConsumption,
  readinessOf,
  recordReadings,
  registerMeter,
  settings,
  totalWh,
} from './energy-api';

describe('the first slice through the gateway', () => {
  it('records readings and reads them back from the replica with the consistency token, exact to the Wh', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    // Three days across the London fall-back night (a 25-hour day), in three batches.
    const readings = quarterHourReadings('2026-10-24T00:00:00Z', 3 * 96 + 4, 7);
    let token = meter.consistencyToken;
    for (let i = 0; i < readings.length; i += 100) {
      const receipt = dataOf(await recordReadings(user, meter.id, readings.slice(i, i + 100))).recordReadings;
      assert.equal(receipt.accepted, Math.min(100, readings.length - i));
      token = receipt.consistencyToken;
    }
    const reads = await readinessOf('energy-query');
    assert.equal(reads.body.details['reads']?.['target'], 'replica', 'reads are served by the replica');

    const range = { from: '2026-10-24T00:00:00Z', to: '2026-10-28T00:00:00Z', consistency: token };
    const hourly = dataOf(
      await readConsumption(user, meter.id, { ...range, granularity: 'HOUR', first: 500 }),
    ).meter;
    const daily = dataOf(await readConsumption(user, meter.id, { ...range, granularity: 'DAY' })).meter;
    const expectedWh = totalWh(readings);
    assert.equal(Math.round(hourly.consumption.totalKwh * 1000), expectedWh);
    assert.equal(Math.round(daily.consumption.totalKwh * 1000), expectedWh);
    assert.equal(Math.round(hourly.consumption.nodes.reduce((s, b) => s + b.kwh, 0) * 1000), expectedWh);
    assert.equal(Math.round(daily.consumption.nodes.reduce((s, b) => s + b.kwh, 0) * 1000), expectedWh);
    const fallBackDay = daily.consumption.nodes.find((b) => b.start === '2026-10-24T23:00:00.000Z');
    assert.deepEqual([fallBackDay?.end, fallBackDay?.readings], ['2026-10-26T00:00:00.000Z', 100]);
    assert.deepEqual(hourly.latestReading, { at: readings.at(-1)!.at, kwh: readings.at(-1)!.kwh });
  });

  it('pages through buckets with cursors, each bucket once', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'UTC');
    const readings = quarterHourReadings('2026-11-01T00:00:00Z', 4 * 30);
    const receipt = dataOf(await recordReadings(user, meter.id, readings)).recordReadings;
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = dataOf(
        await readConsumption(user, meter.id, {
          from: '2026-11-01T00:00:00Z',
          to: '2026-11-02T06:00:00Z',
          granularity: 'HOUR',
          first: 7,
          consistency: receipt.consistencyToken,
          ...(after ? { after } : {}),
        }),
      ).meter.consumption;
      seen.push(...page.nodes.map((b) => b.start));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor! : undefined;
    } while (after);
    assert.equal(seen.length, 30);
    assert.equal(new Set(seen).size, 30);
  });

  it('answers the same readings again as duplicates and changes nothing', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const readings = quarterHourReadings('2026-11-10T00:00:00Z', 8);
    dataOf(await recordReadings(user, meter.id, readings));
    const again = dataOf(await recordReadings(user, meter.id, readings)).recordReadings;
    assert.deepEqual([again.accepted, again.duplicates], [0, 8]);
    const day = dataOf(
      await readConsumption(user, meter.id, {
        from: '2026-11-10T00:00:00Z',
        to: '2026-11-11T00:00:00Z',
        granularity: 'DAY',
        consistency: again.consistencyToken,
      }),
    ).meter;
    assert.equal(Math.round(day.consumption.totalKwh * 1000), totalWh(readings));
  });
});

describe('who may read a meter', () => {
  it('lets an ADMIN read any customer’s meter, and nobody else', async () => {
    const meter = await registerMeter(await newUser());
    const query = 'query($id: ID!, $t: String) { meter(id: $id, consistency: $t) { id } }';
    const variables = { id: meter.id, t: meter.consistencyToken };
    const admin = await graphql(settings.gatewayUrl, query, variables, {
      token: await newAdmin(),
    });
    assert.deepEqual(dataOf(admin), { meter: { id: meter.id } });
    const stranger = await graphql(settings.gatewayUrl, query, variables, { token: await newUser() });
    assert.equal(stranger.errors[0]?.extensions?.code, 'NOT_FOUND');
  });
});

describe('meters read per request', () => {
  const LATEST =
    'query($id: ID!, $t: String) { meter(id: $id, consistency: $t) { latestReading { at kwh } } }';
  const latestOf = async (token: string, meterId: string, consistency?: string) =>
    dataOf(
      await graphql<{ meter: { latestReading: { at: string } | null } }>(
        settings.gatewayUrl,
        LATEST,
        { id: meterId, t: consistency },
        { token },
      ),
    ).meter.latestReading?.at;

  it('shows what the projector applied since the last read, at once with the token, and to nobody else', async () => {
    const user = await newUser();
    const meter = await registerMeter(user, 'UTC');
    const readings = quarterHourReadings('2026-11-10T00:00:00Z', 8);
    const first = dataOf(await recordReadings(user, meter.id, readings.slice(0, 4))).recordReadings;
    assert.equal(await latestOf(user, meter.id, first.consistencyToken), readings[3].at);
    // Read again without a token, still owner-only.
    assert.equal(await latestOf(user, meter.id), readings[3].at);
    const stranger = await graphql(settings.gatewayUrl, LATEST, { id: meter.id }, { token: await newUser() });
    assert.equal(stranger.errors[0]?.extensions?.code, 'NOT_FOUND');

    const second = dataOf(await recordReadings(user, meter.id, readings.slice(4))).recordReadings;
    // The token asks for a newer meter than the last read showed.
    assert.equal(await latestOf(user, meter.id, second.consistencyToken), readings[7].at);
    // Without a token, the next read shows what the projector applied.
    const third = dataOf(
      await recordReadings(user, meter.id, quarterHourReadings('2026-11-10T02:00:00Z', 1)),
    );
    const newest = new Date(Date.parse('2026-11-10T02:15:00Z')).toISOString();
    await eventually(
      async () => ((await latestOf(user, meter.id)) === newest ? true : undefined),
      10_000,
      `latestReading ${newest} without a token (${third.recordReadings.accepted} accepted)`,
    );
  });

  it('resolves many meters of one request in one batch, each to its own key, strangers’ as null', async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const meters = [await registerMeter(owner, 'UTC'), await registerMeter(owner, 'Europe/London')];
    const theirs = await registerMeter(stranger);
    // Projected before the batch below is asked for.
    const MY_METERS = '{ myMeters { id } }';
    const owns = (token: string, count: number) =>
      eventually(
        async () => {
          const mine = dataOf(
            await graphql<{ myMeters: unknown[] }>(settings.gatewayUrl, MY_METERS, {}, { token }),
          );
          return mine.myMeters.length === count ? true : undefined;
        },
        10_000,
        'the meters to be projected',
      );
    await owns(owner, 2);
    await owns(stranger, 1);
    const url = `${settings.serviceBaseUrl('energy-query')}/graphql`;
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Meter { id timezone } } }';
    // The gateway asks energy-query for an account's meters like this (BillingAccount.meters).
    const ids = [meters[1].id.toUpperCase(), theirs.id, meters[0].id, meters[1].id];
    const ask = () =>
      graphql<{ _entities: ({ id: string; timezone: string } | null)[] }>(
        url,
        query,
        { r: ids.map((id) => ({ __typename: 'Meter', id })) },
        { token: owner },
      );
    for (const round of ['first', 'again (consumption pages cached meanwhile change nothing)']) {
      const entities = dataOf(await ask())._entities;
      assert.deepEqual(
        entities.map((meter) => meter?.timezone ?? null),
        ['Europe/London', null, 'UTC', 'Europe/London'],
        round,
      );
    }
  });
});
