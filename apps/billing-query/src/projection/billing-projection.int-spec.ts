import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BILLING_ACCOUNT_AGGREGATE,
  deadLetterTopic,
  EventEnvelope,
  IDENTITY_AGGREGATE,
  IdentityEventTypes,
} from '@voltstream/contracts';
import {
  createDataSource,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  migrate,
  newEnvelope,
  ProjectionRunner,
} from '@voltstream/platform';
import { createScratchDatabase, eventually, ScratchDatabase, testSettings } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { BillingReadModel1733100000000 } from '../migrations/1733100000000-billing-read-model';
import { billingHistory } from '../testing/billing-history';
import { BillingProjection, BillingProjectionResult } from './billing-projection';
import { UsersProjection } from './users-projection';

const settings = testSettings();
const kafka = new Kafka({
  clientId: 'billing-projection-test',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const logger = new JsonLogger('billing-projection-test', 'error');
const scratch: ScratchDatabase[] = [];
const sources: DataSource[] = [];

async function readModelDatabase(): Promise<DataSource> {
  const db = await createScratchDatabase(settings.databaseUrl, 'billing_read_test');
  scratch.push(db);
  const source = createDataSource({
    url: db.url,
    database: db.name,
    applicationName: 'billing-projection-test',
    poolSize: 4,
    connectTimeoutMs: 3000,
    statementTimeoutMs: 10_000,
    migrations: [BillingReadModel1733100000000],
  });
  await source.initialize();
  await migrate(source, 'billing-projection-test');
  sources.push(source);
  return source;
}

/** Everything the read model holds, in a stable order, for equality checks. */
async function snapshot(db: DataSource, withPositions = false): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    tariffs: 'SELECT * FROM tariffs ORDER BY id',
    accounts: 'SELECT * FROM accounts ORDER BY id',
    meters: 'SELECT * FROM account_meters ORDER BY account_id, meter_id',
    invoices: 'SELECT * FROM invoices ORDER BY id',
    payments: 'SELECT * FROM payments ORDER BY id',
    users: 'SELECT * FROM users ORDER BY id',
  };
  if (withPositions)
    tables['positions'] =
      'SELECT projection, topic, partition, next_offset FROM projection_positions ORDER BY projection, partition';
  const result: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(tables)) result[name] = await db.query(sql);
  return result;
}

const asConsumed = (envelopes: EventEnvelope[]) =>
  envelopes.map((envelope, i) => ({ envelope, topic: 'billing.events', partition: 0, offset: String(i) }));

const invoiceRow = async (db: DataSource, id: string) =>
  (
    await db.query<
      {
        status: string;
        amount_due_minor: string;
        succeeded_minor: string;
        pending_minor: string;
        version: number;
      }[]
    >(
      'SELECT status, amount_due_minor, succeeded_minor, pending_minor, version FROM invoices WHERE id = $1',
      [id],
    )
  )[0];

describe('billing read-model projection', () => {
  after(async () => {
    for (const source of sources) await source.destroy();
    for (const db of scratch) await db.drop();
  });

  it('follows an invoice through its payments: pending reserves, success lowers what is due, failure does not', async () => {
    const db = await readModelDatabase();
    const { events, invoiceId, accountId } = billingHistory();
    const projection = new BillingProjection();
    const step = async (upTo: number) =>
      db.transaction((tx) => projection.apply(asConsumed(events.slice(0, upTo)), tx));

    await step(3);
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'ISSUED',
      amount_due_minor: '1000',
      succeeded_minor: '0',
      pending_minor: '0',
      version: 1,
    });
    await step(4);
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'ISSUED',
      amount_due_minor: '1000',
      succeeded_minor: '0',
      pending_minor: '400',
      version: 2,
    });
    await step(5);
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'PARTIALLY_PAID',
      amount_due_minor: '600',
      succeeded_minor: '400',
      pending_minor: '0',
      version: 3,
    });
    await step(7);
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'PARTIALLY_PAID',
      amount_due_minor: '600',
      succeeded_minor: '400',
      pending_minor: '0',
      version: 5,
    });
    const result = await step(9);
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'PAID',
      amount_due_minor: '0',
      succeeded_minor: '1000',
      pending_minor: '0',
      version: 7,
    });
    const payments = await db.query<
      { amount_minor: string; status: string; failure_reason: string | null }[]
    >('SELECT amount_minor, status, failure_reason FROM payments WHERE invoice_id = $1 ORDER BY created_at', [
      invoiceId,
    ]);
    assert.deepEqual(payments, [
      { amount_minor: '400', status: 'SUCCEEDED', failure_reason: null },
      { amount_minor: '600', status: 'FAILED', failure_reason: 'card declined' },
      { amount_minor: '600', status: 'SUCCEEDED', failure_reason: null },
    ]);
    // The account's revision is the sum of its invoices' versions; subscribers get the last state.
    assert.equal(result.accountRevisions.get(accountId), 7);
    assert.deepEqual(
      result.invoices.map((i) => [i.invoiceId, i.status, i.amountDueMinor]),
      [[invoiceId, 'PAID', 0]],
    );
  });

  it('leaves the same read model when the same events are applied twice, together or one by one', async () => {
    const db = await readModelDatabase();
    const history = [...billingHistory().events, ...billingHistory().events];
    const projection = new BillingProjection();
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    const once = await snapshot(db);
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    for (const event of asConsumed(history)) await db.transaction((tx) => projection.apply([event], tx));
    assert.deepEqual(await snapshot(db), once);
  });

  it('gives the same read model whether an account or its invoices arrive first', async () => {
    const { events } = billingHistory();
    const inOrder = await readModelDatabase();
    const invoicesFirst = await readModelDatabase();
    const projection = new BillingProjection();
    await inOrder.transaction((tx) => projection.apply(asConsumed(events), tx));
    await invoicesFirst.transaction((tx) => projection.apply(asConsumed(events.slice(2)), tx));
    await invoicesFirst.transaction((tx) => projection.apply(asConsumed(events.slice(0, 2)), tx));
    assert.deepEqual(await snapshot(invoicesFirst), await snapshot(inOrder));
  });

  it('refuses a payment of an invoice it never saw issued, and an event filed under another aggregate', async () => {
    const db = await readModelDatabase();
    const { events } = billingHistory();
    const projection = new BillingProjection();
    await assert.rejects(
      db.transaction((tx) => projection.apply(asConsumed([events[3]]), tx)),
      /does not know/,
    );
    const misfiled = { ...events[0], aggregateType: BILLING_ACCOUNT_AGGREGATE };
    await assert.rejects(
      db.transaction((tx) => projection.apply(asConsumed([misfiled]), tx)),
      /must travel as Tariff/,
    );
    assert.deepEqual((await snapshot(db))['tariffs'], []);
  });

  it('keeps owners’ names from identity, once each', async () => {
    const db = await readModelDatabase();
    const userId = randomUUID();
    const registered = newEnvelope({
      type: IdentityEventTypes.UserRegistered,
      schemaVersion: 1,
      aggregateType: IDENTITY_AGGREGATE,
      aggregateId: userId,
      aggregateVersion: 1,
      payload: {
        userId,
        email: 'ada@example.com',
        displayName: 'Ada',
        roles: ['CUSTOMER'],
        registeredAt: '2026-01-01T00:00:00.000Z',
      },
    });
    const projection = new UsersProjection();
    assert.equal(await db.transaction((tx) => projection.apply(asConsumed([registered, registered]), tx)), 1);
    assert.equal(await db.transaction((tx) => projection.apply(asConsumed([registered]), tx)), 0);
    assert.deepEqual(await db.query('SELECT id, email, display_name FROM users'), [
      { id: userId, email: 'ada@example.com', display_name: 'Ada' },
    ]);
  });

  describe('through Kafka', () => {
    const topic = `test.billing.${randomBytes(4).toString('hex')}`;
    const publisher = new EventPublisher(kafka);
    const histories = [billingHistory(), billingHistory(), billingHistory()];
    const runners: ProjectionRunner<BillingProjectionResult>[] = [];

    const runInto = async (db: DataSource, groupId: string) => {
      const runner = new ProjectionRunner({
        kafka,
        groupId,
        topic,
        projection: new BillingProjection(),
        dataSource: db,
        deadLetters: publisher,
        logger,
        attempts: 2,
      });
      runners.push(runner);
      await runner.start();
      return runner;
    };
    const paidInvoices = async (db: DataSource) =>
      (
        await db.query<{ n: string }[]>(
          "SELECT count(*)::text AS n FROM invoices WHERE status = 'PAID' AND version = 7",
        )
      )[0].n;

    before(async () => {
      await ensureTopics(kafka, [
        { topic, partitions: 3 },
        { topic: deadLetterTopic(topic), partitions: 1 },
      ]);
      const messages = (envelopes: EventEnvelope[]) =>
        envelopes.map((e) => ({ topic, key: e.aggregateId, value: JSON.stringify(e) }));
      await publisher.publish(messages(histories.flatMap((h) => h.events.slice(0, 4))));
      // A poison message on the first invoice's partition: not even JSON.
      await publisher.publish([{ topic, key: histories[0].invoiceId, value: '{"this is": not json' }]);
      await publisher.publish(messages(histories.flatMap((h) => h.events.slice(4))));
    });

    after(async () => {
      for (const runner of runners) await runner.stop();
      await publisher.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, deadLetterTopic(topic)] }).catch(() => undefined);
      await admin.disconnect();
    });

    it('parks a poison message in the dead-letter topic and projects the messages after it', async () => {
      const db = await readModelDatabase();
      await runInto(db, `${topic}.a`);
      await eventually(
        async () => ((await paidInvoices(db)) === '3' ? true : undefined),
        60_000,
        'three paid invoices',
      );
      const dlq = kafka.consumer({ groupId: `${topic}.dlq-reader`, maxWaitTimeInMs: 100 });
      const parked: { value: string; error: string }[] = [];
      await dlq.connect();
      await dlq.subscribe({ topic: deadLetterTopic(topic), fromBeginning: true });
      await dlq.run({
        eachMessage: async ({ message }) => {
          parked.push({
            value: message.value!.toString(),
            error: message.headers?.['dlq-error']?.toString() ?? '',
          });
        },
      });
      await eventually(async () => (parked.length > 0 ? true : undefined), 30_000, 'the dead letter');
      await dlq.disconnect();
      assert.equal(parked.length, 1);
      assert.equal(parked[0].value, '{"this is": not json');
      assert.match(parked[0].error, /JSON/);
    });

    it('rebuilds an identical read model when replayed from offset 0 into a fresh database', async () => {
      const first = sources[sources.length - 1];
      const replay = await readModelDatabase();
      await runInto(replay, `${topic}.replay`);
      await eventually(
        async () => ((await paidInvoices(replay)) === '3' ? true : undefined),
        60_000,
        'the replay',
      );
      // Partitions finish in any order: wait until the replay has read every partition as far.
      const positions = async (db: DataSource) => JSON.stringify((await snapshot(db, true))['positions']);
      await eventually(
        async () => ((await positions(replay)) === (await positions(first)) ? true : undefined),
        60_000,
        'the replay to reach the same positions',
      );
      assert.deepEqual(await snapshot(replay, true), await snapshot(first, true));
    });
  });
});
