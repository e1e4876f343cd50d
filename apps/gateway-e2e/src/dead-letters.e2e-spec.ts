import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  deadLetterFieldsOf,
  ENERGY_AGGREGATE,
  EnergyEventTypes,
  EventEnvelope,
  ServiceWithProjections,
  Topics,
} from '@voltstream/contracts';
import { databaseUrl, dataOf, eventually, graphql, queryOnce } from '@voltstream/testing';
import { Kafka, logLevel, Producer } from 'kafkajs';
import {
  newAdmin,
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  settings,
  totalWh,
} from './energy-api';
import { metricValue } from './service-metrics';

/**
 * Issue #11, point 2: dead letters an operator works with through the gateway (and `npm run dlq`),
 * ADMIN only. Poison messages are put on energy.events beside the real ones, as a bad producer or
 * a release ahead of its consumers would; energy-query and billing-command both consume them.
 */
const ROOT = join(__dirname, '../../../..');
const ENERGY = 'energy-read-model';
const LEDGER = 'billing-usage-ledger';
const DAY = { from: '2026-11-01T00:00:00Z', to: '2026-11-04T00:00:00Z', granularity: 'DAY' };

interface Letter {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  reason: string;
  status: string;
  parked: number;
  resolvedBy: string | null;
  resolution: string | null;
}

interface Status {
  name: string;
  waiting: number;
  parked: number;
  deadLetters: Letter[];
}

const LETTER = 'topic partition offset key reason status parked resolvedBy resolution';

function statusesOf(token: string | undefined, service: ServiceWithProjections, status = 'OPEN') {
  const field = deadLetterFieldsOf(service).projections;
  return graphql<Record<string, Status[]>>(
    settings.gatewayUrl,
    `query($s: DeadLetterStatus) { ${field} { name waiting parked deadLetters(status: $s, first: 500) { ${LETTER} } } }`,
    { s: status },
    token ? { token } : {},
  );
}

async function statusOf(token: string, service: ServiceWithProjections, projection: string, status = 'OPEN') {
  const all = dataOf(await statusesOf(token, service, status))[deadLetterFieldsOf(service).projections];
  const found = all.find((p) => p.name === projection);
  assert.ok(found, `${service} lists ${projection}: ${JSON.stringify(all.map((p) => p.name))}`);
  return found;
}

/** The open dead letters of a key, once the projection has filed `count` of them. */
function lettersOf(
  token: string,
  service: ServiceWithProjections,
  projection: string,
  key: string,
  count = 1,
) {
  return eventually(
    async () => {
      const letters = (await statusOf(token, service, projection)).deadLetters.filter((l) => l.key === key);
      return letters.length >= count ? letters : undefined;
    },
    60_000,
    `${projection} to dead-letter the poison of ${key}`,
  );
}

async function metric(service: string, name: string, projection: string): Promise<number> {
  return (await metricValue(service, new RegExp(`^${name}\\{projection="${projection}"`))) ?? 0;
}

const ref = ({ topic, partition, offset }: Letter) => ({ topic, partition, offset });
const at = (letter: Letter) => `${letter.topic}/${letter.partition}@${letter.offset}`;

async function dlq(token: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await promisify(execFile)('node', [join(ROOT, 'scripts/dlq.mjs'), ...args], {
      env: { ...process.env, VOLTSTREAM_ADMIN_TOKEN: token },
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

/** A meter's events as a producer outside energy-command would send them. */
function meterEvent(
  meterId: string,
  version: number,
  type: string,
  schemaVersion: number,
  payload: unknown,
): EventEnvelope {
  return {
    id: randomUUID(),
    type,
    schemaVersion,
    aggregateType: ENERGY_AGGREGATE,
    aggregateId: meterId,
    aggregateVersion: version,
    occurredAt: new Date().toISOString(),
    correlationId: null,
    causationId: null,
    actorId: null,
    payload,
  };
}

describe('dead letters an operator works with (issue #11, point 2)', () => {
  let producer: Producer;
  let admin: string;
  let adminId: string;
  let customer: string;

  const send = async (...envelopes: EventEnvelope[]) => {
    for (const envelope of envelopes)
      await producer.send({
        topic: Topics.energy,
        messages: [{ key: envelope.aggregateId, value: JSON.stringify(envelope) }],
      });
  };
  const consumed = async (token: string, meterId: string) =>
    eventually(
      async () => {
        const response = await readConsumption(token, meterId, DAY);
        return response.errors.length === 0 ? dataOf(response).meter.consumption : undefined;
      },
      30_000,
      `meter ${meterId} readable`,
    );

  before(async () => {
    producer = new Kafka({ brokers: settings.kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    admin = await newAdmin();
    adminId = (JSON.parse(Buffer.from(admin.split('.')[1], 'base64url').toString('utf8')) as { sub: string })
      .sub;
    customer = await newUser();
  });

  after(async () => {
    await producer.disconnect();
  });

  it('answers FORBIDDEN to a customer and UNAUTHENTICATED to no one, on every service, and changes nothing', async () => {
    for (const service of [
      'energy-query',
      'billing-command',
      'billing-query',
      'feeds-command',
      'feeds-query',
    ] as const) {
      const fields = deadLetterFieldsOf(service);
      const probes = [
        `query { ${fields.projections} { name waiting } }`,
        `mutation { ${fields.replay}(projection: "${ENERGY}") { resolved } }`,
        `mutation { ${fields.discard}(projection: "${ENERGY}", letter: { topic: "energy.events", partition: 0, offset: "0" }, reason: "probe") { resolved } }`,
      ];
      for (const query of probes) {
        for (const url of [settings.gatewayUrl, `${settings.serviceBaseUrl(service)}/graphql`]) {
          const asCustomer = await graphql(url, query, {}, { token: customer });
          assert.equal(asCustomer.errors[0]?.extensions?.code, 'FORBIDDEN', `${url} ${query}`);
          const anonymous = await graphql(url, query, {});
          assert.equal(anonymous.errors[0]?.extensions?.code, 'UNAUTHENTICATED', `${url} ${query}`);
        }
      }
      // The same list answers an ADMIN: the refusal was the role's.
      assert.deepEqual((await statusesOf(admin, service)).errors, [], service);
    }
  });

  it('a poison event is dead-lettered once, parks its key until discarded, and a replay that still fails changes nothing', async () => {
    const meter = await registerMeter(customer);
    const bystander = await registerMeter(customer);
    await consumed(customer, meter.id);
    const [waitingBefore, parkedBefore] = [
      await metric('energy-query', 'projection_dead_letters_waiting', ENERGY),
      await metric('energy-query', 'projection_parked_events', ENERGY),
    ];

    // Version 2 of the meter's stream in a schema version no consumer knows.
    await send(meterEvent(meter.id, 2, EnergyEventTypes.ReadingsRecorded, 99, { meterId: meter.id }));
    const [letter] = await lettersOf(admin, 'energy-query', ENERGY, meter.id);
    // The real readings that follow (versions 2 and 3 on the write side) wait behind it.
    const day1 = quarterHourReadings('2026-11-01T00:00:00Z', 96, 3);
    const day2 = quarterHourReadings('2026-11-02T00:00:00Z', 96, 5);
    for (const day of [day1, day2]) dataOf(await recordReadings(customer, meter.id, day));
    const aside = quarterHourReadings('2026-11-01T00:00:00Z', 96, 7);
    dataOf(await recordReadings(customer, bystander.id, aside));
    // Other keys keep flowing while this one waits.
    await eventually(
      async () =>
        (await consumed(customer, bystander.id)).totalKwh * 1000 === totalWh(aside) ? true : undefined,
      30_000,
      'the bystander meter projected',
    );
    const parked = await eventually(
      async () => {
        const [found] = await lettersOf(admin, 'energy-query', ENERGY, meter.id);
        return found.parked === 2 ? found : undefined;
      },
      30_000,
      'both real batches parked behind the dead letter',
    );
    assert.equal(parked.reason, 'unknown_event');
    assert.equal((await consumed(customer, meter.id)).totalKwh, 0, 'parked events are not applied');
    assert.equal((await lettersOf(admin, 'energy-query', ENERGY, meter.id)).length, 1, 'dead-lettered once');
    assert.equal(await metric('energy-query', 'projection_dead_letters_waiting', ENERGY), waitingBefore + 1);
    assert.equal(await metric('energy-query', 'projection_parked_events', ENERGY), parkedBefore + 2);

    // A replay with today's code fails again: reported, and nothing moves.
    const replayed = await dlq(admin, 'replay', ENERGY, at(letter));
    assert.equal(replayed.code, 3, replayed.out);
    assert.match(replayed.out, /0 dead letter\(s\) resolved, 0 event\(s\) applied/);
    assert.match(replayed.out, /1 still failing/);
    assert.equal(
      (await statusOf(admin, 'energy-query', ENERGY)).deadLetters.find((l) => l.key === meter.id)?.parked,
      2,
    );
    assert.equal((await consumed(customer, meter.id)).totalKwh, 0);

    // A customer cannot discard it; an ADMIN can, with a reason kept for the audit.
    const field = deadLetterFieldsOf('energy-query').discard;
    const refused = await graphql(
      settings.gatewayUrl,
      `mutation($l: DeadLetterRef!) { ${field}(projection: "${ENERGY}", letter: $l, reason: "mine") { resolved } }`,
      { l: ref(letter) },
      { token: customer },
    );
    assert.equal(refused.errors[0]?.extensions?.code, 'FORBIDDEN');
    const discarded = await dlq(
      admin,
      'discard',
      ENERGY,
      at(letter),
      '--reason',
      'a producer bug, fixed upstream',
    );
    assert.equal(discarded.code, 0, discarded.out);
    assert.match(discarded.out, /1 dead letter\(s\) resolved, 2 event\(s\) applied/);
    const total = await consumed(customer, meter.id);
    assert.equal(Math.round(total.totalKwh * 1000), totalWh(day1) + totalWh(day2), 'both batches, once each');
    const audit = (await statusOf(admin, 'energy-query', ENERGY, 'DISCARDED')).deadLetters.find(
      (l) => l.key === meter.id,
    );
    assert.deepEqual(
      [audit?.status, audit?.resolvedBy, audit?.resolution],
      ['DISCARDED', adminId, 'a producer bug, fixed upstream'],
    );
    assert.equal(await metric('energy-query', 'projection_dead_letters_waiting', ENERGY), waitingBefore);
    assert.equal(await metric('energy-query', 'projection_parked_events', ENERGY), parkedBefore);

    // billing-command's ledger dead-lettered the same poison and parked the same readings: its
    // operator releases them from the same list through its own fields.
    const [ledgerLetter] = await lettersOf(admin, 'billing-command', LEDGER, meter.id);
    const release = dataOf(
      await graphql<{ r: { resolved: number; applied: number } }>(
        settings.gatewayUrl,
        `mutation($l: DeadLetterRef!) { r: ${deadLetterFieldsOf('billing-command').discard}(projection: "${LEDGER}", letter: $l, reason: "same producer bug") { resolved applied } }`,
        { l: ref(ledgerLetter) },
        { token: admin },
      ),
    ).r;
    assert.deepEqual(release, { resolved: 1, applied: 2 });
    const [billed] = await queryOnce<{ wh: number }>(
      databaseUrl(settings.databaseUrl, 'billing_command'),
      'SELECT coalesce(sum(wh + late_wh), 0)::int AS wh FROM usage_hourly WHERE meter_id = $1',
      [meter.id],
    );
    assert.equal(billed.wh, totalWh(day1) + totalWh(day2), 'the ledger billed both batches once');
  });

  it('replay after the cause is repaired applies the dead letter and then its parked events, in order', async () => {
    // Readings for a meter the read model has never seen (its registration was lost to it): the
    // projection refuses them for good. An operator restores the meter row, then replays.
    const meterId = randomUUID();
    const day = (date: string, seed: number) =>
      quarterHourReadings(`2026-11-${date}T00:00:00Z`, 4, seed).map((r) => ({
        at: r.at,
        wh: Math.round(r.kwh * 1000),
      }));
    const [first, second] = [day('01', 11), day('02', 13)];
    await send(meterEvent(meterId, 2, EnergyEventTypes.ReadingsRecorded, 1, { meterId, readings: first }));
    const [letter] = await lettersOf(admin, 'energy-query', ENERGY, meterId);
    assert.equal(letter.reason, 'unapplicable');
    await send(meterEvent(meterId, 3, EnergyEventTypes.ReadingsRecorded, 1, { meterId, readings: second }));
    await eventually(
      async () =>
        (await lettersOf(admin, 'energy-query', ENERGY, meterId))[0].parked === 1 ? true : undefined,
      30_000,
      'the second batch parked',
    );

    const replay = deadLetterFieldsOf('energy-query').replay;
    // Replaying all of the projection's letters: this one still fails, reported, nothing moves.
    const replayAll = `mutation { r: ${replay}(projection: "${ENERGY}") { stillFailing { letter { key parked } error } } }`;
    const { stillFailing } = dataOf(
      await graphql<{ r: { stillFailing: { letter: { key: string; parked: number }; error: string }[] } }>(
        settings.gatewayUrl,
        replayAll,
        {},
        { token: admin },
      ),
    ).r;
    const ours = stillFailing.find((f) => f.letter.key === meterId);
    assert.equal(ours?.letter.parked, 1, JSON.stringify(stillFailing));
    assert.match(ours?.error ?? '', /does not know/);

    const customerId = (
      JSON.parse(Buffer.from(customer.split('.')[1], 'base64url').toString('utf8')) as { sub: string }
    ).sub;
    await queryOnce(
      databaseUrl(settings.databaseUrl, 'energy_read'),
      `INSERT INTO meters (id, owner_id, serial_number, timezone, interval_minutes, created_at, version)
       VALUES ($1, $2, $3, 'Europe/London', 15, now(), 1)`,
      [meterId, customerId, `SN-restored-${meterId.slice(0, 8)}`],
    );
    const done = dataOf(
      await graphql<{ r: { resolved: number; applied: number; stillFailing: unknown[] } }>(
        settings.gatewayUrl,
        `mutation($l: DeadLetterRef) { r: ${replay}(projection: "${ENERGY}", letter: $l) { resolved applied stillFailing { error } } }`,
        { l: ref(letter) },
        { token: admin },
      ),
    ).r;
    assert.deepEqual(done, { resolved: 1, applied: 2, stillFailing: [] });
    const consumption = await consumed(customer, meterId);
    const wh = (readings: { wh: number }[]) => readings.reduce((sum, r) => sum + r.wh, 0);
    assert.equal(Math.round(consumption.totalKwh * 1000), wh(first) + wh(second));
    const [version] = await queryOnce<{ version: number }>(
      databaseUrl(settings.databaseUrl, 'energy_read'),
      'SELECT version FROM meters WHERE id = $1',
      [meterId],
    );
    assert.equal(version.version, 3, 'applied in order: the parked version 3 after the replayed 2');

    // billing-command never knew this meter either. Discarding its letter releases the parked
    // second batch, which cannot apply there either: it becomes the key's dead letter in turn
    // (nothing lost, nothing reordered), and is discarded the same way.
    const [ledgerFirst] = await lettersOf(admin, 'billing-command', LEDGER, meterId);
    assert.equal(ledgerFirst.parked, 1);
    const firstOut = await dlq(
      admin,
      'discard',
      LEDGER,
      at(ledgerFirst),
      '--reason',
      'meter unknown to billing',
    );
    assert.match(firstOut.out, /1 dead letter\(s\) resolved, 0 event\(s\) applied/);
    const [ledgerSecond] = await lettersOf(admin, 'billing-command', LEDGER, meterId);
    assert.ok(BigInt(ledgerSecond.offset) > BigInt(ledgerFirst.offset), 'the released batch, next in line');
    assert.deepEqual([ledgerSecond.reason, ledgerSecond.parked], ['unapplicable', 0]);
    const secondOut = await dlq(
      admin,
      'discard',
      LEDGER,
      at(ledgerSecond),
      '--reason',
      'meter unknown to billing',
    );
    assert.equal(secondOut.code, 0, secondOut.out);
    const left = (await statusOf(admin, 'billing-command', LEDGER)).deadLetters.filter(
      (l) => l.key === meterId,
    );
    assert.deepEqual(left, []);
  });
});
