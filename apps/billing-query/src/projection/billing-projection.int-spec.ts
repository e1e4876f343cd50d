import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BILLING_ACCOUNT_AGGREGATE, EventEnvelope } from '@voltstream/contracts';
import { ProjectionDeadLetters } from '@voltstream/platform';
import { ReadModelHarness, userRegisteredEnvelope } from '@voltstream/platform/testing';
import { eventually } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { BillingReadModel1733100000000 } from '../migrations/1733100000000-billing-read-model';
import { CreditNotes1767400000000 } from '../migrations/1767400000000-credit-notes';
import { billingHistory, voidedHistory } from '../testing/billing-history';
import { BillingProjection } from './billing-projection';
import { UsersProjection } from './users-projection';

const harness = new ReadModelHarness({
  name: 'billing',
  migrations: [BillingReadModel1733100000000, CreditNotes1767400000000],
  tables: {
    tariffs: 'SELECT * FROM tariffs ORDER BY id',
    accounts: 'SELECT * FROM accounts ORDER BY id',
    meters: 'SELECT * FROM account_meters ORDER BY account_id, meter_id',
    invoices: 'SELECT * FROM invoices ORDER BY id',
    payments: 'SELECT * FROM payments ORDER BY id',
    users: 'SELECT * FROM users ORDER BY id',
    creditNotes: 'SELECT * FROM credit_notes ORDER BY id',
    creditApplications: 'SELECT * FROM credit_applications ORDER BY invoice_id',
  },
});

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
  after(() => harness.close());

  it('follows an invoice through its payments: pending reserves, success lowers what is due, failure does not', async () => {
    const db = await harness.database();
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
    const db = await harness.database();
    const history = [...billingHistory().events, ...billingHistory().events];
    const projection = new BillingProjection();
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    const once = await harness.snapshot(db);
    await db.transaction((tx) => projection.apply(asConsumed(history), tx));
    for (const event of asConsumed(history)) await db.transaction((tx) => projection.apply([event], tx));
    assert.deepEqual(await harness.snapshot(db), once);
  });

  it('voids an invoice (VOID, nothing due, its credit note) and spends the credit on the next, the same when applied twice', async () => {
    const db = await harness.database();
    const { events, invoiceId, accountId } = voidedHistory();
    const projection = new BillingProjection();
    const result = await db.transaction((tx) => projection.apply(asConsumed(events), tx));
    assert.deepEqual(await invoiceRow(db, invoiceId), {
      status: 'VOID',
      amount_due_minor: '0',
      succeeded_minor: '400',
      pending_minor: '0',
      version: 4,
    });
    const notes = await db.query<{ number: string; total_minor: string; account_credit_minor: string }[]>(
      'SELECT number, total_minor, account_credit_minor FROM credit_notes WHERE invoice_id = $1',
      [invoiceId],
    );
    assert.deepEqual(notes, [
      { number: 'CN-2026-000001', total_minor: '-1000', account_credit_minor: '400' },
    ]);
    const nextId = events[7].aggregateId;
    assert.deepEqual(await invoiceRow(db, nextId), {
      status: 'PARTIALLY_PAID',
      amount_due_minor: '600',
      succeeded_minor: '400',
      pending_minor: '0',
      version: 2,
    });
    assert.deepEqual(
      await db.query('SELECT amount_minor FROM credit_applications WHERE invoice_id = $1', [nextId]),
      [{ amount_minor: '400' }],
    );
    assert.equal(result.accountRevisions.get(accountId), 4 + 2);
    const once = await harness.snapshot(db);
    await db.transaction((tx) => projection.apply(asConsumed(events), tx));
    for (const event of asConsumed(events)) await db.transaction((tx) => projection.apply([event], tx));
    assert.deepEqual(await harness.snapshot(db), once);
  });

  it('gives the same read model whether an account or its invoices arrive first', async () => {
    const { events } = billingHistory();
    const inOrder = await harness.database();
    const invoicesFirst = await harness.database();
    const projection = new BillingProjection();
    await inOrder.transaction((tx) => projection.apply(asConsumed(events), tx));
    await invoicesFirst.transaction((tx) => projection.apply(asConsumed(events.slice(2)), tx));
    await invoicesFirst.transaction((tx) => projection.apply(asConsumed(events.slice(0, 2)), tx));
    assert.deepEqual(await harness.snapshot(invoicesFirst), await harness.snapshot(inOrder));
  });

  it('refuses a payment of an invoice it never saw issued, and an event filed under another aggregate', async () => {
    const db = await harness.database();
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
    assert.deepEqual((await harness.snapshot(db))['tariffs'], []);
  });

  it('keeps owners’ names from identity, once each', async () => {
    const db = await harness.database();
    const userId = randomUUID();
    const registered = userRegisteredEnvelope(userId, {
      email: 'ada@example.com',
      displayName: 'Ada',
      registeredAt: '2026-01-01T00:00:00.000Z',
    });
    const projection = new UsersProjection();
    assert.equal(await db.transaction((tx) => projection.apply(asConsumed([registered, registered]), tx)), 1);
    assert.equal(await db.transaction((tx) => projection.apply(asConsumed([registered]), tx)), 0);
    assert.deepEqual(await db.query('SELECT id, email, display_name FROM users'), [
      { id: userId, email: 'ada@example.com', display_name: 'Ada' },
    ]);
  });

  describe('through Kafka', () => {
    const topic = harness.topic();
    const histories = [billingHistory(), billingHistory(), billingHistory(), voidedHistory()];
    let projected: DataSource;

    const paidInvoices = async (db: DataSource) =>
      (
        await db.query<{ n: string }[]>(
          "SELECT count(*)::text AS n FROM invoices WHERE status = 'PAID' AND version = 7",
        )
      )[0].n;

    before(async () => {
      await topic.create();
      await topic.publish(histories.flatMap((h) => h.events.slice(0, 4)));
      // A poison message on the first invoice's partition: not even JSON.
      await topic.publishRaw(histories[0].invoiceId, '{"this is": not json');
      await topic.publish(histories.flatMap((h) => h.events.slice(4)));
    });

    after(() => topic.delete());

    /**
     * Runs the projection until the poison is dead-lettered; the poisoned invoice's later events
     * wait (it cannot be paid yet) until the dead letter is discarded.
     */
    async function projectAndDiscard(db: DataSource, group: string): Promise<void> {
      await topic.runInto(db, group, new BillingProjection());
      const operator = new ProjectionDeadLetters(db, new BillingProjection());
      const letter = await eventually(
        async () => (await operator.list('open'))[0],
        60_000,
        'the dead letter',
      );
      assert.equal(letter.key, histories[0].invoiceId);
      assert.notEqual(await paidInvoices(db), '3', 'the poisoned invoice waits behind its dead letter');
      await operator.discard(letter, 'not JSON', 'test');
      await eventually(
        async () => ((await paidInvoices(db)) === '3' ? true : undefined),
        60_000,
        'three paid invoices',
      );
    }

    it('dead-letters a poison message, holds its key back until it is discarded, and projects the rest', async () => {
      projected = await harness.database();
      await projectAndDiscard(projected, 'a');
      const parked = await topic.deadLetters();
      assert.equal(parked.length, 1);
      assert.equal(parked[0].value, '{"this is": not json');
      assert.match(parked[0].error, /JSON/);
    });

    it('rebuilds an identical read model when replayed from offset 0 into a fresh database', async () => {
      const replay = await harness.database();
      await projectAndDiscard(replay, 'replay');
      // Partitions finish in any order: wait until the replay has read every partition as far.
      const positions = async (db: DataSource) =>
        JSON.stringify((await harness.snapshot(db, true))['positions']);
      await eventually(
        async () => ((await positions(replay)) === (await positions(projected)) ? true : undefined),
        60_000,
        'the replay to reach the same positions',
      );
      assert.deepEqual(await harness.snapshot(replay, true), await harness.snapshot(projected, true));
    });
  });
});
