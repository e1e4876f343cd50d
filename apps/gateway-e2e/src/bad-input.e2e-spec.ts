import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { databaseUrl, dataOf, graphql, queryOnce } from '@voltstream/testing';
import { newUser, quarterHourReadings, recordReadings, registerMeter, settings } from './energy-api';

const writeDb = databaseUrl(settings.databaseUrl, 'energy_command');

/** What the write side holds for a meter: readings, version and outbox rows. */
async function writeState(meterId: string) {
  const [row] = await queryOnce<{ readings: string; version: number; outbox: string }>(
    writeDb,
    `SELECT (SELECT count(*) FROM readings WHERE meter_id = $1)::text AS readings,
            (SELECT version FROM meters WHERE id = $1) AS version,
            (SELECT count(*) FROM outbox WHERE message_key = $1::text)::text AS outbox`,
    [meterId],
  );
  return row;
}

describe('bad input through the gateway', () => {
  let owner = '';
  let meterId = '';
  let before_: Awaited<ReturnType<typeof writeState>>;

  before(async () => {
    owner = await newUser();
    meterId = (await registerMeter(owner)).id;
    dataOf(await recordReadings(owner, meterId, quarterHourReadings('2026-11-01T00:00:00Z', 4)));
    before_ = await writeState(meterId);
  });

  const rejectedWith = async (
    readings: { at: string; kwh: number }[],
    code: string,
    token: string | null = owner,
    meter = meterId,
  ) => {
    const response = await recordReadings(token ?? undefined, meter, readings);
    assert.equal(response.data, null);
    assert.equal(response.errors[0]?.extensions?.code, code, JSON.stringify(response.errors));
    assert.deepEqual(await writeState(meterId), before_, 'nothing was written');
    return response.errors[0];
  };

  it('rejects a negative reading with its field path', async () => {
    const error = await rejectedWith(
      [
        { at: '2026-11-02T00:15:00Z', kwh: 1 },
        { at: '2026-11-02T00:30:00Z', kwh: -0.5 },
      ],
      'ENERGY.READING_NEGATIVE',
    );
    assert.deepEqual(
      (error.extensions!['fieldErrors'] as { path: string }[]).map((e) => e.path),
      ['readings[1].kwh'],
    );
  });

  it('rejects a reading from the future', async () => {
    const nextYear = new Date(Date.now() + 365 * 86_400_000);
    nextYear.setUTCMinutes(0, 0, 0);
    await rejectedWith([{ at: nextYear.toISOString(), kwh: 1 }], 'ENERGY.READING_IN_FUTURE');
  });

  it('rejects 1001 readings in one call', async () => {
    await rejectedWith(quarterHourReadings('2026-10-01T00:00:00Z', 1001), 'ENERGY.BATCH_SIZE');
  });

  it('rejects a changed value for a recorded reading as a conflict', async () => {
    await rejectedWith(
      [{ at: quarterHourReadings('2026-11-01T00:00:00Z', 1)[0].at, kwh: 9.999 }],
      'ENERGY.READING_CONFLICT',
    );
  });

  it('answers NOT_FOUND for an unknown meter and for another customer’s meter alike', async () => {
    const unknown = await rejectedWith(
      quarterHourReadings('2026-11-02T00:00:00Z', 1),
      'NOT_FOUND',
      owner,
      '00000000-0000-4000-8000-000000000000',
    );
    const foreign = await rejectedWith(
      quarterHourReadings('2026-11-02T00:00:00Z', 1),
      'NOT_FOUND',
      await newUser(),
    );
    assert.equal(unknown.message, foreign.message);
    const read = await graphql(
      settings.gatewayUrl,
      'query($id: ID!) { meter(id: $id) { id } }',
      { id: meterId },
      { token: await newUser() },
    );
    assert.equal(read.errors[0]?.extensions?.code, 'NOT_FOUND');
  });

  it('answers UNAUTHENTICATED without a user', async () => {
    await rejectedWith(quarterHourReadings('2026-11-02T00:00:00Z', 1), 'UNAUTHENTICATED', null);
  });

  it('rejects a malformed DateTime and an unknown input field before any resolver runs', async () => {
    await rejectedWith([{ at: 'yesterday', kwh: 1 }], 'BAD_USER_INPUT');
    await rejectedWith([{ at: '2026-11-02T00:15:00Z', kwh: 1, meterId: 'x' } as never], 'BAD_USER_INPUT');
  });

  it('rejects a duplicate serial number with CONFLICT', async () => {
    const query = 'mutation($input: RegisterMeterInput!) { registerMeter(input: $input) { id } }';
    const input = { serialNumber: `DUP-${meterId.slice(0, 8)}`, timezone: 'UTC' };
    dataOf(await graphql(settings.gatewayUrl, query, { input }, { token: owner }));
    const again = await graphql(settings.gatewayUrl, query, { input }, { token: await newUser() });
    assert.equal(again.errors[0]?.extensions?.code, 'CONFLICT');
  });

  it('never shows a stack trace or SQL to the client, even when the database fails', async () => {
    // A real database error: the read model's table is renamed away while the owner's meters are
    // read (`myMeters` always reads the database; `meter(id)` may be answered from the cache).
    const readModel = databaseUrl(settings.databaseUrl, 'energy_read');
    await queryOnce(readModel, 'ALTER TABLE meters RENAME TO meters_away_for_a_test');
    const response = await graphql(
      settings.gatewayUrl,
      '{ myMeters { id serialNumber } }',
      {},
      { token: owner },
    ).finally(() => queryOnce(readModel, 'ALTER TABLE meters_away_for_a_test RENAME TO meters'));
    assert.equal(response.errors[0]?.extensions?.code, 'INTERNAL', 'the database error reached the API');
    const text = JSON.stringify(response.errors);
    assert.doesNotMatch(text, /stacktrace|SELECT|meters|relation|at .*\.js:\d+/);
    assert.deepEqual(Object.keys(response.errors[0]?.extensions ?? {}), ['code']);
  });
});
