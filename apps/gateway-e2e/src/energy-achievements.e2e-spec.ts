import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { EventEnvelope, FeedsEventTypes, Topics } from '@voltstream/contracts';
import { databaseUrl, dataOf, eventually, graphql, queryOnce } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { recordReadings, registerMeter, settings } from './energy-api';

const ZONE = 'Europe/London';
const QUARTER_HOUR = 900_000;
const energyDb = databaseUrl(settings.databaseUrl, 'energy_command');
const feedsDb = databaseUrl(settings.databaseUrl, 'feeds_command');

interface Person {
  id: string;
  token: string;
}

async function register(): Promise<Person> {
  const email = `energyfed-${randomUUID()}@example.com`;
  const { register } = dataOf(
    await graphql<{ register: { accessToken: string; user: { id: string } } }>(
      settings.gatewayUrl,
      'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
      { input: { email, password: 'a long enough passphrase', displayName: 'Energy learner' } },
    ),
  );
  return { id: register.user.id, token: register.accessToken };
}

const call = async <T>(person: Person, query: string, variables: Record<string, unknown> = {}) =>
  dataOf(await graphql<T>(settings.gatewayUrl, query, variables, { token: person.token }));

/** `YYYY-MM` of the London month `back` months before the one `instant` falls in. */
function londonMonth(instant: Date, back: number): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit' })
    .formatToParts(instant)
    .reduce<Record<string, number>>((acc, p) => ({ ...acc, [p.type]: Number(p.value) }), {});
  const index = parts['year'] * 12 + parts['month'] - 1 - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * A customer with one meter: `before` kWh in the month before last, `last` kWh last month (London
 * time), then the latest quarter hour of this month, which completes last month.
 */
async function customerWhoUsed(
  beforeKwh: number,
  lastKwh: number,
): Promise<Person & { meterId: string; nextAt: string }> {
  const person = await register();
  const meter = await registerMeter(person.token, ZONE);
  const latest = new Date(Math.floor(Date.now() / QUARTER_HOUR) * QUARTER_HOUR);
  // The month the latest reading's interval starts in, as feeds-command buckets it.
  const current = new Date(latest.getTime() - QUARTER_HOUR);
  const readings = [
    { at: `${londonMonth(current, 2)}-15T12:00:00.000Z`, kwh: beforeKwh },
    { at: `${londonMonth(current, 1)}-15T12:00:00.000Z`, kwh: lastKwh },
    { at: latest.toISOString(), kwh: 0.5 },
  ];
  // One call per reading, in order: three ReadingsRecorded events, the last one completing the month.
  for (const reading of readings) dataOf(await recordReadings(person.token, meter.id, [reading]));
  // A quarter hour not read yet, for a reading after the month is complete.
  return { ...person, meterId: meter.id, nextAt: new Date(latest.getTime() - QUARTER_HOUR).toISOString() };
}

async function achievementsOf(viewer: Person, userId: string): Promise<string[]> {
  const data = await call<{ user: { achievements: { code: string }[] } | null }>(
    viewer,
    'query($u: ID!) { user(id: $u) { achievements { code } } }',
    { u: userId },
  );
  return (data.user?.achievements ?? []).map((a) => a.code);
}

async function earnedInFeed(viewer: Person, actorId: string): Promise<{ text: string | null }[]> {
  const data = await call<{
    feed: { nodes: { verb: string; actor: { id: string }; text: string | null }[] };
  }>(viewer, 'query { feed(first: 50) { nodes { verb actor { id } text } } }');
  return data.feed.nodes.filter((n) => n.verb === 'EARNED_ACHIEVEMENT' && n.actor.id === actorId);
}

/** AchievementEarned events of a user in feeds-command's outbox: what feeds-query will show. */
async function awarded(userId: string): Promise<string[]> {
  const rows = await queryOnce<{ code: string }>(
    feedsDb,
    `SELECT envelope->'payload'->>'code' AS code FROM outbox
     WHERE envelope->>'type' = $1 AND envelope->>'aggregateId' = $2`,
    [FeedsEventTypes.AchievementEarned, userId],
  );
  return rows.map((row) => row.code);
}

/** Waits until feeds-command has applied the meter's events up to `version`. */
async function appliedUpTo(meterId: string, version: number): Promise<void> {
  await eventually(
    async () => {
      const rows = await queryOnce<{ version: number }>(
        feedsDb,
        'SELECT version FROM energy_meters WHERE meter_id = $1',
        [meterId],
      );
      return (rows[0]?.version ?? 0) >= version ? true : undefined;
    },
    30_000,
    `feeds-command to apply meter ${meterId} up to version ${version}`,
  );
}

describe('LOWER_CONSUMPTION_MONTH from energy recorded through the gateway', () => {
  const kafka = new Kafka({
    clientId: 'energyfed-e2e',
    brokers: settings.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  before(() => producer.connect());
  after(() => producer.disconnect());

  it('awards a customer who used 15 % less once, in their feed and a follower’s, also after a replay', async () => {
    const follower = await register();
    const saver = await customerWhoUsed(100, 85);
    await call(follower, 'mutation($u: ID!) { follow(userId: $u) }', { u: saver.id });

    for (const viewer of [saver, follower]) {
      const items = await eventually(
        async () => {
          const found = await earnedInFeed(viewer, saver.id);
          return found.length > 0 ? found : undefined;
        },
        30_000,
        'the achievement in the feed',
      );
      assert.equal(items.length, 1);
    }
    assert.deepEqual(await achievementsOf(follower, saver.id), ['LOWER_CONSUMPTION_MONTH']);

    // Replay: energy-command's events of the meter, published again at new offsets.
    const rows = await queryOnce<{ envelope: EventEnvelope }>(
      energyDb,
      `SELECT envelope FROM outbox WHERE envelope->>'aggregateId' = $1 ORDER BY id`,
      [saver.meterId],
    );
    assert.equal(rows.length, 4, 'MeterRegistered and three ReadingsRecorded');
    const [sent] = await producer.send({
      topic: Topics.energy,
      messages: rows.map(({ envelope }) => ({ key: saver.meterId, value: JSON.stringify(envelope) })),
    });
    const lastOffset = BigInt(sent.baseOffset ?? '0') + BigInt(rows.length - 1);
    await eventually(
      async () => {
        const [position] = await queryOnce<{ next_offset: string }>(
          feedsDb,
          `SELECT next_offset::text FROM projection_positions
           WHERE projection = 'feeds-command-achievements-energy' AND topic = $1 AND partition = $2`,
          [Topics.energy, sent.partition],
        );
        return BigInt(position?.next_offset ?? '0') > lastOffset ? true : undefined;
      },
      30_000,
      'feeds-command to pass the replayed events',
    );
    // A new reading evaluates the rules again: last month still qualifies, and is not awarded again.
    dataOf(await recordReadings(saver.token, saver.meterId, [{ at: saver.nextAt, kwh: 0.25 }]));
    await appliedUpTo(saver.meterId, 5);
    assert.deepEqual(await awarded(saver.id), ['LOWER_CONSUMPTION_MONTH']);
    const months = await queryOnce<{ wh: string }>(
      feedsDb,
      'SELECT wh::text FROM energy_meter_months WHERE meter_id = $1 ORDER BY month',
      [saver.meterId],
    );
    assert.equal(
      months.map((m) => Number(m.wh)).reduce((a, b) => a + b),
      185_750,
      'the replay counted no energy twice',
    );
    assert.equal((await earnedInFeed(saver, saver.id)).length, 1);
  });

  it('awards nothing to a customer who used only 5 % less', async () => {
    const steady = await customerWhoUsed(100, 95);
    await appliedUpTo(steady.meterId, 4);
    assert.deepEqual(await awarded(steady.id), []);
    assert.deepEqual(await achievementsOf(steady, steady.id), []);
  });
});
