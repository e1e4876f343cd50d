import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, eventually, queryOnce } from '@voltstream/testing';
import { randomUUID } from 'node:crypto';
import {
  BILLING_DB,
  createTariff,
  DAY_MS,
  gql,
  IssuedInvoice,
  issueInvoice,
  openAccount,
  pastDay,
  paymentRows,
  payInvoice,
} from './billing-api';
import { newAdmin, newUser, registerMeter } from './energy-api';
import { withReplicaPaused } from './replica-pause';

/** Each invoice here bills one day with no usage: the standing charge alone, 50 EUR cents. */
const DAY_TOTAL = 50;

interface VoidPayload {
  invoice: { id: string; status: string; amountDue: { amountMinor: number } };
  creditNote: {
    id: string;
    number: string;
    reason: string;
    total: { amountMinor: number };
    accountCredit: { amountMinor: number };
    lines: { amount: { amountMinor: number } }[];
  };
  consistencyToken: string;
}

function voidInvoice(token: string, invoiceId: string, reason: string) {
  return gql<{ voidInvoice: VoidPayload }>(
    `mutation($i: ID!, $r: String!) { voidInvoice(invoiceId: $i, reason: $r) {
       invoice { id status amountDue { amountMinor } }
       creditNote { id number reason total { amountMinor } accountCredit { amountMinor } lines { amount { amountMinor } } }
       consistencyToken } }`,
    { i: invoiceId, r: reason },
    token,
  );
}

interface AccountRead {
  invoice: {
    status: string;
    amountDue: { amountMinor: number };
    creditNote: { number: string; total: { amountMinor: number } } | null;
  };
  billingAccount: {
    balance: { amountMinor: number };
    creditNotes: {
      nodes: { number: string; invoice: { id: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

/** The invoice and its account on the read side, at least as new as `consistency` says. */
async function readBack(token: string, invoiceId: string, accountId: string, consistency?: string) {
  return gql<AccountRead>(
    `query($i: ID!, $a: ID!, $t: String) {
       invoice(id: $i, consistency: $t) { status amountDue { amountMinor } creditNote { number total { amountMinor } } }
       billingAccount(id: $a, consistency: $t) { balance { amountMinor }
         creditNotes(first: 10) { nodes { number invoice { id } } pageInfo { hasNextPage endCursor } } } }`,
    { i: invoiceId, a: accountId, t: consistency ?? null },
    token,
  );
}

/** The number the credit-note series of this UTC year hands out next (the database's counter). */
async function nextCreditNoteNumber(): Promise<string> {
  const year = new Date().getUTCFullYear();
  const [row] = await queryOnce<{ next_sequence: number }>(
    BILLING_DB(),
    'SELECT next_sequence FROM credit_note_sequences WHERE year = $1',
    [year],
  );
  return `CN-${year}-${String(row?.next_sequence ?? 1).padStart(6, '0')}`;
}

const sequenceOf = (number: string) => Number(number.split('-')[2]);

async function commandSideOf(invoiceId: string) {
  const [row] = await queryOnce<{ status: string; version: number; notes: string; credit: string }>(
    BILLING_DB(),
    `SELECT i.status, i.version, (SELECT count(*) FROM credit_notes c WHERE c.invoice_id = i.id)::text AS notes,
       a.credit_minor::text AS credit
     FROM invoices i JOIN billing_accounts a ON a.id = i.account_id WHERE i.id = $1`,
    [invoiceId],
  );
  return row;
}

describe('voiding invoices with credit notes', () => {
  let admin: string;
  let customer: string;
  let accountId: string;
  let invoices: IssuedInvoice[];
  before(async () => {
    admin = await newAdmin();
    customer = await newUser();
    const tariffId = await createTariff(admin);
    const meter = await registerMeter(customer, 'UTC');
    accountId = dataOf(await openAccount(customer, tariffId, [meter.id])).openBillingAccount.id;
    const day = pastDay(20);
    invoices = [];
    for (let i = 0; i < 4; i++) {
      const start = new Date(day.getTime() + i * DAY_MS);
      const issued = dataOf(await issueInvoice(admin, accountId, start, new Date(start.getTime() + DAY_MS)));
      assert.equal(issued.issueInvoice.total.amountMinor, DAY_TOTAL);
      invoices.push(issued.issueInvoice);
    }
  });

  it('voids an issued, partly paid invoice: next credit-note number, the paid amount left as account credit, read side at once', async () => {
    const invoice = invoices[0];
    dataOf(await payInvoice(customer, invoice.id, 20, `pay-${randomUUID()}`));
    await eventually(
      async () => ((await paymentRows(invoice.id))[0]?.status === 'SUCCEEDED' ? true : undefined),
      30_000,
      'the sandbox settling the partial payment',
    );
    const expectedNumber = await nextCreditNoteNumber();

    // With the replica's replay paused, only a read that waits for the token's write shows it.
    let voided: VoidPayload | undefined;
    let read: AccountRead | undefined;
    await withReplicaPaused('billing-query', async () => {
      voided = dataOf(await voidInvoice(admin, invoice.id, '  billed the wrong meter  ')).voidInvoice;
      read = dataOf(await readBack(customer, invoice.id, accountId, voided.consistencyToken));
    });
    assert.ok(voided && read);
    assert.equal(voided.invoice.status, 'VOID');
    assert.equal(voided.invoice.amountDue.amountMinor, 0);
    assert.equal(voided.creditNote.number, expectedNumber);
    assert.equal(voided.creditNote.reason, 'billed the wrong meter');
    assert.equal(voided.creditNote.total.amountMinor, -DAY_TOTAL);
    assert.deepEqual(
      voided.creditNote.lines.map((line) => line.amount.amountMinor),
      invoice.lines.map((line) => -line.amount.amountMinor),
    );
    assert.equal(voided.creditNote.accountCredit.amountMinor, 20, 'what was paid stays as credit');
    assert.ok(voided.consistencyToken);

    // With the token, the very next read (by the owner) shows the void.
    assert.equal(read.invoice.status, 'VOID');
    assert.equal(read.invoice.amountDue.amountMinor, 0);
    assert.deepEqual(read.invoice.creditNote, { number: expectedNumber, total: { amountMinor: -DAY_TOTAL } });
    assert.deepEqual(read.billingAccount.creditNotes.nodes, [
      { number: expectedNumber, invoice: { id: invoice.id } },
    ]);
    // Three unpaid invoices are due; the voided one's 20 paid is credit against them.
    assert.equal(read.billingAccount.balance.amountMinor, 3 * DAY_TOTAL - 20);
    assert.deepEqual(await commandSideOf(invoice.id), {
      status: 'VOID',
      version: 4,
      notes: '1',
      credit: '20',
    });
    const payAgain = await payInvoice(customer, invoice.id, 10, `pay-${randomUUID()}`);
    assert.equal(payAgain.errors[0]?.extensions?.code, 'BILLING.INVOICE_VOID');
  });

  it('refuses to void a void invoice with BILLING.INVOICE_VOID and changes nothing, not even the number series', async () => {
    const invoice = invoices[0];
    const before = await commandSideOf(invoice.id);
    const nextBefore = await nextCreditNoteNumber();
    const again = await voidInvoice(admin, invoice.id, 'once more');
    assert.equal(again.errors[0]?.extensions?.code, 'BILLING.INVOICE_VOID', JSON.stringify(again.errors));
    assert.deepEqual(await commandSideOf(invoice.id), before);
    assert.equal(await nextCreditNoteNumber(), nextBefore);
  });

  it('refuses a customer with FORBIDDEN, a missing reason, an unknown invoice, and a pending payment', async () => {
    const invoice = invoices[1];
    const before = await commandSideOf(invoice.id);
    const forbidden = await voidInvoice(customer, invoice.id, 'I would rather not pay');
    assert.equal(forbidden.errors[0]?.extensions?.code, 'FORBIDDEN');
    const noReason = await voidInvoice(admin, invoice.id, '   ');
    assert.equal(noReason.errors[0]?.extensions?.code, 'BILLING.INVALID_VOID_REASON');
    const tooLong = await voidInvoice(admin, invoice.id, 'x'.repeat(501));
    assert.equal(tooLong.errors[0]?.extensions?.code, 'BILLING.INVALID_VOID_REASON');
    const unknown = await voidInvoice(admin, randomUUID(), 'no such invoice');
    assert.equal(unknown.errors[0]?.extensions?.code, 'NOT_FOUND');
    assert.deepEqual(await commandSideOf(invoice.id), before);

    // The sandbox settles amounts ending in 09 only after 10 s: the payment is still pending.
    dataOf(await payInvoice(customer, invoices[3].id, 9, `pay-${randomUUID()}`));
    const pending = await voidInvoice(admin, invoices[3].id, 'while a payment is in flight');
    assert.equal(pending.errors[0]?.extensions?.code, 'BILLING.PAYMENT_PENDING');
    assert.equal((await commandSideOf(invoices[3].id))?.status, 'ISSUED');
  });

  it('numbers credit notes without gaps and pages them newest first with a cursor', async () => {
    const first = dataOf(await voidInvoice(admin, invoices[1].id, 'duplicate')).voidInvoice;
    const second = dataOf(await voidInvoice(admin, invoices[2].id, 'duplicate')).voidInvoice;
    assert.equal(sequenceOf(second.creditNote.number), sequenceOf(first.creditNote.number) + 1);

    const pageOf = async (after: string | null) =>
      dataOf(
        await gql<{ billingAccount: AccountRead['billingAccount'] }>(
          `query($a: ID!, $after: String, $t: String) { billingAccount(id: $a) {
             balance { amountMinor }
             creditNotes(first: 2, after: $after, consistency: $t) { nodes { number invoice { id } } pageInfo { hasNextPage endCursor } } } }`,
          { a: accountId, after, t: second.consistencyToken },
          customer,
        ),
      ).billingAccount;
    const page1 = await pageOf(null);
    assert.deepEqual(
      page1.creditNotes.nodes.map((n) => n.invoice.id),
      [invoices[2].id, invoices[1].id],
    );
    assert.equal(page1.creditNotes.pageInfo.hasNextPage, true);
    const page2 = await pageOf(page1.creditNotes.pageInfo.endCursor);
    assert.deepEqual(
      page2.creditNotes.nodes.map((n) => n.invoice.id),
      [invoices[0].id],
    );
    assert.equal(page2.creditNotes.pageInfo.hasNextPage, false);
    const forged = await gql(
      'query($a: ID!) { billingAccount(id: $a) { creditNotes(after: "bm9uc2Vuc2U") { nodes { number } } } }',
      { a: accountId },
      customer,
    );
    assert.equal(forged.errors[0]?.extensions?.code, 'BAD_USER_INPUT');
  });

  it('spends the account credit on the next invoice first', async () => {
    // Only the first invoice's 20 paid is credit (the ones voided since had nothing paid).
    await eventually(
      async () => ((await paymentRows(invoices[3].id))[0]?.status === 'SUCCEEDED' ? true : undefined),
      30_000,
      'the slow sandbox payment on the last invoice settling',
    );
    const start = new Date(pastDay(20).getTime() + 4 * DAY_MS);
    const next = dataOf(
      await gql<{
        issueInvoice: {
          id: string;
          status: string;
          amountDue: { amountMinor: number };
          consistencyToken: string;
        };
      }>(
        `mutation($a: ID!, $s: DateTime!, $e: DateTime!) { issueInvoice(accountId: $a, periodStart: $s, periodEnd: $e) {
           id status amountDue { amountMinor } consistencyToken } }`,
        { a: accountId, s: start.toISOString(), e: new Date(start.getTime() + DAY_MS).toISOString() },
        admin,
      ),
    ).issueInvoice;
    assert.equal(next.status, 'PARTIALLY_PAID');
    assert.equal(next.amountDue.amountMinor, DAY_TOTAL - 20);
    const read = dataOf(await readBack(customer, next.id, accountId, next.consistencyToken));
    assert.equal(read.invoice.status, 'PARTIALLY_PAID');
    assert.equal(read.invoice.amountDue.amountMinor, DAY_TOTAL - 20);
    // Due: the last old invoice less its 9 paid, and the new one less the credit; no credit left.
    assert.equal(read.billingAccount.balance.amountMinor, DAY_TOTAL - 9 + (DAY_TOTAL - 20));
    const [account] = await queryOnce<{ credit: string }>(
      BILLING_DB(),
      'SELECT credit_minor::text AS credit FROM billing_accounts WHERE id = $1',
      [accountId],
    );
    assert.equal(account?.credit, '0');
  });
});
