import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createScratchDatabase, eventually, ScratchDatabase, testSettings } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { Pool, PoolClient } from 'pg';
import { EventPublisher } from '../kafka/event-publisher';
import { ensureTopics } from '../kafka/kafka-client';
import { JsonLogger } from '../logging/json-logger';
import { OutboxRelay } from './outbox-relay';
import { OUTBOX_DDL } from './outbox-schema';
import { appendToOutbox } from './outbox-writer';
import { newEnvelope } from './new-envelope';

const settings = testSettings();
const kafka = new Kafka({
  clientId: 'outbox-relay-test',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const service = `outbox-test-${randomBytes(3).toString('hex')}`;
const topic = `test.outbox.${randomBytes(4).toString('hex')}`;
const received: { key: string; version: number; id: string }[] = [];

let db: ScratchDatabase;
let pool: Pool;
let relay: OutboxRelay;
let publisher: EventPublisher;
const consumer = kafka.consumer({ groupId: `${topic}.reader`, maxWaitTimeInMs: 100 });

/** One command: lock the aggregate, take its next version, write the outbox row, maybe dawdle. */
async function writeEvent(client: PoolClient, aggregateId: string, holdMs: number): Promise<string> {
  await client.query('BEGIN');
  const { rows } = await client.query<{ version: number }>(
    'UPDATE aggregates SET version = version + 1 WHERE id = $1 RETURNING version',
    [aggregateId],
  );
  const envelope = newEnvelope({
    type: 'test.SomethingHappened',
    schemaVersion: 1,
    aggregateType: 'Thing',
    aggregateId,
    aggregateVersion: rows[0].version,
    payload: {},
  });
  await appendToOutbox(client, service, topic, [envelope]);
  if (holdMs > 0) await new Promise((resolve) => setTimeout(resolve, holdMs));
  await client.query('COMMIT');
  return envelope.id;
}

describe('outbox relay', () => {
  before(async () => {
    db = await createScratchDatabase(settings.databaseUrl, 'outbox_test');
    pool = new Pool({ connectionString: db.url, max: 24, application_name: 'outbox-test-writers' });
    for (const statement of OUTBOX_DDL) await pool.query(statement);
    await pool.query('CREATE TABLE aggregates (id text PRIMARY KEY, version int NOT NULL)');
    await ensureTopics(kafka, [{ topic, partitions: 3 }]);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const envelope = JSON.parse(message.value!.toString()) as { id: string; aggregateVersion: number };
        received.push({ key: message.key!.toString(), version: envelope.aggregateVersion, id: envelope.id });
      },
    });
    publisher = new EventPublisher(kafka);
    relay = new OutboxRelay({
      service,
      connectionString: db.url,
      publisher,
      logger: new JsonLogger('test', 'error'),
      pollIntervalMs: 200,
    });
    relay.start();
  });

  after(async () => {
    await relay.stop();
    await publisher.disconnect();
    await consumer.disconnect();
    await pool.end();
    await db.drop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('publishes a row whose transaction took an earlier id but committed after a later one', async () => {
    await pool.query("INSERT INTO aggregates VALUES ('late', 0), ('early', 0)");
    const slow = await pool.connect();
    const fast = await pool.connect();
    try {
      const lateCommit = writeEvent(slow, 'late', 1500);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const earlyId = await writeEvent(fast, 'early', 0);
      await eventually(
        async () => (received.some((r) => r.id === earlyId) ? true : undefined),
        10_000,
        'the early commit',
      );
      const lateId = await lateCommit;
      await eventually(
        async () => (received.some((r) => r.id === lateId) ? true : undefined),
        10_000,
        'the late commit',
      );
      const ids = await pool.query<{ id: string; event_id: string }>(
        'SELECT id::text, event_id FROM outbox ORDER BY id',
      );
      assert.equal(ids.rows[0].event_id, lateId, 'the late transaction holds the lower id');
    } finally {
      slow.release();
      fast.release();
    }
  });

  it('publishes every row from many concurrent writers exactly in aggregate-version order per key', async () => {
    const keys = Array.from({ length: 8 }, () => randomUUID());
    for (const key of keys) await pool.query('INSERT INTO aggregates VALUES ($1, 0)', [key]);
    const writes = Array.from({ length: 200 }, async (_, i) => {
      const client = await pool.connect();
      try {
        return await writeEvent(client, keys[i % keys.length], Math.floor(Math.random() * 40));
      } finally {
        client.release();
      }
    });
    const written = new Set(await Promise.all(writes));
    await eventually(
      async () => ([...written].every((id) => received.some((r) => r.id === id)) ? true : undefined),
      30_000,
      'all 200 events on the topic',
    );
    for (const key of keys) {
      const versions = received.filter((r) => r.key === key).map((r) => r.version);
      const firstSeen = versions.filter((v, i) => versions.indexOf(v) === i);
      assert.deepEqual(
        firstSeen,
        Array.from({ length: 25 }, (_, i) => i + 1),
        `versions of ${key} in order`,
      );
    }
    const unsent = await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL');
    assert.equal(unsent.rows[0].n, '0');
  });
});
