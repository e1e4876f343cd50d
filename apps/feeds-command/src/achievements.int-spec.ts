import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BillingEventTypes,
  enrollmentAggregateId,
  EventEnvelope,
  FeedsEventTypes,
  INVOICE_AGGREGATE,
  Topics,
} from '@voltstream/contracts';
import { ConsumedEvent, EventOutbox, newEnvelope } from '@voltstream/platform';
import { dataOf, eventually, queryOnce, testSettings } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AchievementAwarder } from './achievements/achievement-awarder';
import { BillingFactsProjection } from './achievements/billing-facts.projection';
import { completeLesson, enroll, feedsDb, newUser, outboxEvents, publishCourse } from './testing/feeds-api';
import { scratchFeedsCommandSchema } from './testing/scratch-schema';

const settings = testSettings();

const achievementsOf = async (userId: string, code: string) =>
  (await outboxEvents(userId, FeedsEventTypes.AchievementEarned)).filter(
    (e) => (e.payload as { code: string }).code === code,
  );

describe('achievements from feeds.events (running service)', () => {
  const kafka = new Kafka({
    clientId: 'feeds-command-test',
    brokers: settings.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();

  before(() => producer.connect());
  after(() => producer.disconnect());

  it('awards FIRST_COURSE_COMPLETED once, even when CourseCompleted is delivered again', async () => {
    const [instructor, learner] = await Promise.all([newUser('INSTRUCTOR'), newUser()]);
    const course = dataOf(await publishCourse(instructor.token, 1)).publishCourse;
    dataOf(await enroll(learner.token, course.id));
    const done = dataOf(await completeLesson(learner.token, course.id, course.lessons[0].id)).completeLesson;

    const [earned] = await eventually(
      async () => {
        const found = await achievementsOf(learner.id, 'FIRST_COURSE_COMPLETED');
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'FIRST_COURSE_COMPLETED in the outbox',
    );
    assert.equal(earned.aggregateType, 'UserActivity');
    assert.equal(earned.aggregateVersion, 1);
    assert.deepEqual(earned.payload, {
      userId: learner.id,
      code: 'FIRST_COURSE_COMPLETED',
      title: 'First course completed',
      earnedAt: done.completedAt,
    });
    const [completed] = await outboxEvents(
      enrollmentAggregateId(learner.id, course.id),
      FeedsEventTypes.CourseCompleted,
    );
    assert.equal(earned.causationId, completed.id);

    // Redelivery: the same envelope again, at a new offset the positions table has not seen.
    const [sent] = await producer.send({
      topic: Topics.feeds,
      messages: [{ key: completed.aggregateId, value: JSON.stringify(completed) }],
    });
    await eventually(
      async () => {
        const rows = await queryOnce<{ next_offset: string }>(
          feedsDb,
          `SELECT next_offset::text FROM projection_positions
           WHERE projection = 'feeds-command-achievements' AND topic = $1 AND partition = $2`,
          [Topics.feeds, sent.partition],
        );
        return BigInt(rows[0]?.next_offset ?? '0') > BigInt(sent.baseOffset ?? '0') ? true : undefined;
      },
      30_000,
      'the achievements processor to pass the redelivered event',
    );
    assert.equal((await achievementsOf(learner.id, 'FIRST_COURSE_COMPLETED')).length, 1);
    const rows = await queryOnce(feedsDb, 'SELECT code FROM achievements WHERE user_id = $1', [learner.id]);
    assert.deepEqual(rows, [{ code: 'FIRST_COURSE_COMPLETED' }]);
  });
});

describe('achievements from billing.events (projection on a scratch database)', () => {
  let db: DataSource;
  let drop: (() => Promise<void>) | undefined;
  const projection = new BillingFactsProjection(
    new AchievementAwarder(new EventOutbox('feeds-command-test', Topics.feeds)),
  );
  const owner = randomUUID();
  const accountId = randomUUID();
  const paidInvoice = randomUUID();
  const partlyPaid = randomUUID();

  const issued = (invoiceId: string, sequence: number): EventEnvelope =>
    newEnvelope({
      type: BillingEventTypes.InvoiceIssued,
      schemaVersion: 1,
      aggregateType: INVOICE_AGGREGATE,
      aggregateId: invoiceId,
      aggregateVersion: 1,
      payload: {
        invoiceId,
        accountId,
        ownerId: owner,
        number: `ACME-${String(sequence).padStart(6, '0')}`,
        periodStart: '2026-05-01T00:00:00.000Z',
        periodEnd: '2026-06-01T00:00:00.000Z',
        currency: 'EUR',
        lines: [
          {
            kind: 'STANDING_CHARGE',
            description: 'Standing charge',
            meterId: null,
            quantityWh: null,
            amountMinor: 900,
          },
        ],
        totalMinor: 900,
        status: 'ISSUED',
        issuedAt: '2026-06-01T06:00:00.000Z',
        dueAt: '2026-06-15T00:00:00.000Z',
      },
    });
  const succeeded = (invoiceId: string, invoiceStatus: string, succeededAt: string): EventEnvelope =>
    newEnvelope({
      type: BillingEventTypes.PaymentSucceeded,
      schemaVersion: 1,
      aggregateType: INVOICE_AGGREGATE,
      aggregateId: invoiceId,
      aggregateVersion: 3,
      payload: {
        paymentId: randomUUID(),
        invoiceId,
        accountId,
        amountMinor: invoiceStatus === 'PAID' ? 900 : 100,
        currency: 'EUR',
        status: 'SUCCEEDED',
        succeededAt,
        invoiceStatus,
        amountDueMinor: invoiceStatus === 'PAID' ? 0 : 800,
      },
    });
  const consumed = (envelopes: EventEnvelope[]): ConsumedEvent[] =>
    envelopes.map((envelope, i) => ({ envelope, topic: Topics.billing, partition: 0, offset: String(i) }));
  const apply = (envelopes: EventEnvelope[]) =>
    db.transaction((tx) => projection.apply(consumed(envelopes), tx));

  before(async () => {
    ({ db, drop } = await scratchFeedsCommandSchema());
  });

  after(() => drop?.());

  it('awards FIRST_INVOICE_PAID to the invoice owner once, in whatever order the events come', async () => {
    const payment = succeeded(paidInvoice, 'PAID', '2026-06-03T10:00:00.000Z');
    const partial = succeeded(partlyPaid, 'PARTIALLY_PAID', '2026-06-02T10:00:00.000Z');
    // The payment first: the owner is not known until the invoice is.
    assert.equal(await apply([payment, partial]), 0);
    const invoice = issued(paidInvoice, 1);
    assert.equal(await apply([issued(partlyPaid, 2), invoice]), 1);
    // The same events again, as a redelivery or a replay would bring them.
    assert.equal(await apply([payment, partial, issued(partlyPaid, 2), invoice]), 0);

    const rows = await db.query<{ envelope: EventEnvelope }[]>(
      `SELECT envelope FROM outbox WHERE envelope->>'type' = $1`,
      [FeedsEventTypes.AchievementEarned],
    );
    assert.equal(rows.length, 1);
    const [{ envelope }] = rows;
    assert.equal(envelope.aggregateId, owner);
    assert.equal(envelope.aggregateVersion, 1);
    assert.equal(envelope.causationId, invoice.id);
    assert.deepEqual(envelope.payload, {
      userId: owner,
      code: 'FIRST_INVOICE_PAID',
      title: 'First invoice paid',
      earnedAt: '2026-06-03T10:00:00.000Z',
    });
  });
});
