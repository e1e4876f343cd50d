import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  BillingEventTypes,
  encodeConsistencyToken,
  EventEnvelope,
  INVOICE_AGGREGATE,
  LiveChannels,
  Topics,
} from '@voltstream/contracts';
import { EventPublisher, newEnvelope } from '@voltstream/platform';
import {
  databaseUrl,
  dataOf,
  eventually,
  graphql,
  GraphQLResponse,
  queryOnce,
  testSettings,
} from '@voltstream/testing';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

import {
  accountOpened,
  BillingHistory,
  billingHistory,
  invoiceIssued,
  tariffCreated,
} from './testing/billing-history';

/** billing-query as the gateway calls it, fed by billing events published straight to Kafka. */
const settings = testSettings();
const base = settings.serviceBaseUrl('billing-query');
const kafka = new Kafka({
  clientId: 'billing-query-test',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});
const publisher = new EventPublisher(kafka);
const PASSWORD = 'a passphrase for tests';

interface User {
  id: string;
  token: string;
}

async function register(admin = false): Promise<User> {
  const email = `billing-${randomBytes(6).toString('hex')}@example.com`;
  const registered = await graphql<{ register: { accessToken: string; user: { id: string } } }>(
    settings.gatewayUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input: { email, password: PASSWORD, displayName: 'Billing customer' } },
  );
  const { accessToken, user } = dataOf(registered).register;
  if (!admin) return { id: user.id, token: accessToken };
  await queryOnce(
    databaseUrl(settings.databaseUrl, 'identity'),
    `UPDATE users SET roles = array_append(roles, 'ADMIN') WHERE email = $1`,
    [email],
  );
  const login = await graphql<{ login: { accessToken: string } }>(
    settings.gatewayUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: PASSWORD },
  );
  return { id: user.id, token: dataOf(login).login.accessToken };
}

const ask = <T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token?: string,
) => graphql<T>(`${base}/graphql`, query, variables, token ? { token } : {});

const codeOf = (response: GraphQLResponse<unknown>) => response.errors[0]?.extensions?.code;

const publish = (events: readonly EventEnvelope[]) =>
  publisher.publish(
    events.map((e) => ({ topic: Topics.billing, key: e.aggregateId, value: JSON.stringify(e) })),
  );

const invoiceToken = (invoiceId: string, version: number) =>
  encodeConsistencyToken({ aggregateType: INVOICE_AGGREGATE, aggregateId: invoiceId, version });

const INVOICE = `query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) {
  id number status total { amountMinor currency amount } amountDue { amount }
  lines { description quantityKwh amount { amount } }
  payments { amount { amountMinor } status failureReason }
  account { id owner { id } tariff { name currency } meters { id } balance { amountMinor amount currency } }
} }`;

const ACCOUNT_WITH_TARIFF = 'query($id: ID!) { billingAccount(id: $id) { id tariff { name } } }';

describe('billing-query', () => {
  let owner: User;
  let stranger: User;
  let admin: User;
  let history: BillingHistory;
  const redis = new Redis(settings.redisUrl, { lazyConnect: true });
  const updates: Record<string, unknown>[] = [];

  before(async () => {
    [owner, stranger, admin] = await Promise.all([register(), register(), register(true)]);
    history = billingHistory(owner.id);
    await redis.connect();
    redis.on('message', (_channel: string, message: string) =>
      updates.push(JSON.parse(message) as Record<string, unknown>),
    );
    await redis.subscribe(LiveChannels.invoiceUpdates(history.accountId));
    await publish(history.events);
    // The account and its tariff travel on other partitions than the invoice: an invoice's token
    // waits for the invoice only, so the tests below start once the account side has landed.
    await eventually(
      async () => {
        const read = await ask(ACCOUNT_WITH_TARIFF, { id: history.accountId }, owner.token);
        return read.errors.length === 0 && read.data?.['billingAccount'] ? true : undefined;
      },
      10_000,
      'the account and its tariff to be projected',
    );
  });

  after(async () => {
    await publisher.disconnect();
    redis.disconnect();
  });

  it('answers an invoice once the read model reaches the write its token names', async () => {
    const response = await ask(
      INVOICE,
      { id: history.invoiceId, c: invoiceToken(history.invoiceId, 7) },
      owner.token,
    );
    assert.deepEqual(dataOf(response)['invoice'], {
      id: history.invoiceId,
      number: 'ACME-000001',
      status: 'PAID',
      total: { amountMinor: 1000, currency: 'EUR', amount: '10.00' },
      amountDue: { amount: '0.00' },
      lines: [
        { description: 'Meter SN-1 · 00:00–07:00 @ 12/kWh', quantityKwh: 25, amount: { amount: '3.00' } },
        { description: 'Standing charge', quantityKwh: null, amount: { amount: '7.00' } },
      ],
      payments: [
        { amount: { amountMinor: 400 }, status: 'SUCCEEDED', failureReason: null },
        { amount: { amountMinor: 600 }, status: 'FAILED', failureReason: 'card declined' },
        { amount: { amountMinor: 600 }, status: 'SUCCEEDED', failureReason: null },
      ],
      account: {
        id: history.accountId,
        owner: { id: owner.id },
        tariff: { name: 'Two rates', currency: 'EUR' },
        meters: [...history.meterIds].sort().map((id) => ({ id })),
        balance: { amountMinor: 0, amount: '0.00', currency: 'EUR' },
      },
    });
  });

  it('marks the lines that price estimated usage, reads older lines as measured, and serves negative adjustments', async () => {
    // An account of its own: the paging test below counts the history account's invoices.
    const issued = invoiceIssued({
      accountId: randomUUID(),
      ownerId: owner.id,
      sequence: 1,
      totalMinor: 1000,
      month: '2026-05',
    });
    const payload = issued.payload as { lines: Record<string, unknown>[]; totalMinor: number };
    const [usage, standing] = payload.lines;
    payload.lines = [
      { ...usage, amountMinor: 100, estimated: false },
      {
        ...usage,
        description: `${String(usage['description'])} (estimated)`,
        quantityWh: 5000,
        amountMinor: 60,
        estimated: true,
      },
      standing,
      {
        ...usage,
        kind: 'ADJUSTMENT',
        description: 'Adjustment: April · Meter SN-1 · 00:00–07:00 @ 12/kWh (estimated)',
        quantityWh: -2500,
        amountMinor: -30,
        estimated: true,
      },
    ];
    payload.totalMinor = 100 + 60 + 700 - 30;
    await publish([issued]);
    const read = await ask<{ invoice: { total: { amountMinor: number }; lines: unknown[] } }>(
      'query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) { total { amountMinor } lines { quantityKwh amount { amountMinor } estimated } } }',
      { id: issued.aggregateId, c: invoiceToken(issued.aggregateId, 1) },
      owner.token,
    );
    assert.deepEqual(dataOf(read).invoice, {
      total: { amountMinor: 830 },
      lines: [
        { quantityKwh: 25, amount: { amountMinor: 100 }, estimated: false },
        { quantityKwh: 5, amount: { amountMinor: 60 }, estimated: true },
        { quantityKwh: null, amount: { amountMinor: 700 }, estimated: false },
        { quantityKwh: -2.5, amount: { amountMinor: -30 }, estimated: true },
      ],
    });
    // The history's invoice was published without the flag, as events were before estimates.
    const old = await ask<{ invoice: { lines: { estimated: boolean }[] } }>(
      'query($id: ID!) { invoice(id: $id) { lines { estimated } } }',
      { id: history.invoiceId },
      owner.token,
    );
    assert.deepEqual(dataOf(old).invoice.lines, [{ estimated: false }, { estimated: false }]);

    // Corrections that outweigh the rest: a negative total is paid on issue, nothing is due, and
    // the account is in credit by it until later invoices spend that credit.
    const tariff = tariffCreated();
    const accountId = randomUUID();
    const opened = accountOpened(accountId, owner.id, tariff.aggregateId, [randomUUID()]);
    const negative = invoiceIssued({
      accountId,
      ownerId: owner.id,
      sequence: 1,
      totalMinor: 0,
      month: '2026-06',
    });
    const credit = negative.payload as {
      lines: Record<string, unknown>[];
      totalMinor: number;
      status: string;
    };
    credit.lines = [{ ...payload.lines[3], amountMinor: -900 }];
    credit.totalMinor = -900;
    credit.status = 'PAID';
    const next = invoiceIssued({
      accountId,
      ownerId: owner.id,
      sequence: 2,
      totalMinor: 300,
      month: '2026-07',
    });
    const spent = newEnvelope({
      type: BillingEventTypes.AccountCreditApplied,
      schemaVersion: 1,
      aggregateType: INVOICE_AGGREGATE,
      aggregateId: next.aggregateId,
      aggregateVersion: 2,
      payload: {
        invoiceId: next.aggregateId,
        accountId,
        amountMinor: 300,
        currency: 'EUR',
        appliedAt: '2026-08-01T06:00:00.000Z',
        invoiceStatus: 'PAID',
        amountDueMinor: 0,
      },
    });
    await publish([tariff, opened, negative, next, spent]);
    const due = await ask<{ invoice: unknown }>(
      'query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) { status total { amountMinor } amountDue { amountMinor } } }',
      { id: negative.aggregateId, c: invoiceToken(negative.aggregateId, 1) },
      owner.token,
    );
    assert.deepEqual(dataOf(due).invoice, {
      status: 'PAID',
      total: { amountMinor: -900 },
      amountDue: { amountMinor: 0 },
    });
    const balance = await eventually(
      async () => {
        const read = await ask<{ billingAccount: { balance: { amountMinor: number } } | null }>(
          'query($id: ID!, $c: String) { billingAccount(id: $id, consistency: $c) { balance { amountMinor } } }',
          { id: accountId, c: invoiceToken(next.aggregateId, 2) },
          owner.token,
        );
        return read.data?.billingAccount?.balance.amountMinor;
      },
      10_000,
      'the account with its invoices',
    );
    // 9.00 of credit from the negative invoice, 3.00 of it spent on the next one.
    assert.equal(balance, -600);
  });

  it('fails with CONSISTENCY_TIMEOUT when the write never arrives', async () => {
    const response = await ask(
      INVOICE,
      { id: history.invoiceId, c: invoiceToken(history.invoiceId, 99) },
      owner.token,
    );
    assert.equal(codeOf(response), 'CONSISTENCY_TIMEOUT');
  });

  it('reads another customer’s billing exactly like a missing one; ADMIN reads it', async () => {
    const account = 'query($id: ID!) { billingAccount(id: $id) { id } }';
    for (const [query, id] of [
      [INVOICE, history.invoiceId],
      [account, history.accountId],
    ] as const) {
      const theirs = await ask(query, { id }, stranger.token);
      const missing = await ask(query, { id: randomUUID() }, stranger.token);
      assert.equal(codeOf(theirs), 'NOT_FOUND');
      assert.deepEqual(theirs.errors[0]?.message, missing.errors[0]?.message);
      assert.equal(codeOf(await ask(query, { id }, admin.token)), undefined);
    }
    const mine = await ask<{ myBillingAccounts: { id: string }[] }>(
      '{ myBillingAccounts { id } }',
      {},
      stranger.token,
    );
    assert.deepEqual(dataOf(mine).myBillingAccounts, []);
  });

  it('asks for a signed-in caller everywhere', async () => {
    for (const query of ['{ tariffs { id } }', '{ myBillingAccounts { id } }']) {
      assert.equal(codeOf(await ask(query, {})), 'UNAUTHENTICATED');
    }
  });

  it('adds the billing account to meters, for their owner only', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Meter { id billingAccount { id } } } }`;
    const representations = [...history.meterIds, randomUUID()].map((id) => ({ __typename: 'Meter', id }));
    const asOwner = await ask<{ _entities: { billingAccount: { id: string } | null }[] }>(
      query,
      { r: representations },
      owner.token,
    );
    assert.deepEqual(
      dataOf(asOwner)._entities.map((e) => e.billingAccount),
      [{ id: history.accountId }, { id: history.accountId }, null],
    );
    const asStranger = await ask<{ _entities: { billingAccount: unknown }[] }>(
      query,
      { r: representations },
      stranger.token,
    );
    assert.deepEqual(
      dataOf(asStranger)._entities.map((e) => e.billingAccount),
      [null, null, null],
    );
  });

  it('resolves billing entities for the gateway with the same owner checks', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Invoice { number } ... on BillingAccount { id } ... on Tariff { name } } }`;
    const representations = [
      { __typename: 'Invoice', id: history.invoiceId },
      { __typename: 'BillingAccount', id: history.accountId },
      { __typename: 'Tariff', id: history.tariffId },
    ];
    const asOwner = await ask<{ _entities: unknown[] }>(query, { r: representations }, owner.token);
    assert.deepEqual(dataOf(asOwner)._entities, [
      { number: 'ACME-000001' },
      { id: history.accountId },
      { name: 'Two rates' },
    ]);
    const asStranger = await ask<{ _entities: unknown[] }>(query, { r: representations }, stranger.token);
    assert.deepEqual(dataOf(asStranger)._entities, [null, null, { name: 'Two rates' }]);
    assert.equal(codeOf(await ask(query, { r: representations })), 'UNAUTHENTICATED');
  });

  it('pages an account’s invoices newest first, filters by status, and sums what is due', async () => {
    const { accountId } = history;
    const later = [2, 3, 4].map((sequence) =>
      invoiceIssued({
        accountId,
        ownerId: owner.id,
        sequence,
        totalMinor: 1234 * sequence,
        month: `2026-0${sequence}`,
      }),
    );
    await publish(later);
    const projected = 'query($id: ID!, $c: String) { invoice(id: $id, consistency: $c) { id } }';
    for (const { aggregateId } of later) {
      dataOf(await ask(projected, { id: aggregateId, c: invoiceToken(aggregateId, 1) }, owner.token));
    }
    const page = `query($id: ID!, $first: Int, $after: String, $status: InvoiceStatus, $c: String) {
      billingAccount(id: $id) { balance { amountMinor amount }
        invoices(first: $first, after: $after, status: $status, consistency: $c) {
          nodes { number status } pageInfo { hasNextPage endCursor } } } }`;
    type Page = {
      billingAccount: {
        balance: { amountMinor: number; amount: string };
        invoices: { nodes: { number: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    };
    // Already there; the token still makes each read wait for it on whichever database it reads.
    const c = invoiceToken(later[2].aggregateId, 1);
    const first = dataOf(await ask<Page>(page, { id: accountId, first: 2, c }, owner.token)).billingAccount;
    assert.deepEqual(
      first.invoices.nodes.map((n) => n.number),
      ['ACME-000004', 'ACME-000003'],
    );
    assert.equal(first.invoices.pageInfo.hasNextPage, true);
    const second = dataOf(
      await ask<Page>(
        page,
        { id: accountId, first: 2, after: first.invoices.pageInfo.endCursor, c },
        owner.token,
      ),
    ).billingAccount;
    assert.deepEqual(
      second.invoices.nodes.map((n) => n.number),
      ['ACME-000002', 'ACME-000001'],
    );
    assert.equal(second.invoices.pageInfo.hasNextPage, false);
    const paid = dataOf(
      await ask<Page>(page, { id: accountId, status: 'PAID', c }, owner.token),
    ).billingAccount;
    assert.deepEqual(
      paid.invoices.nodes.map((n) => n.number),
      ['ACME-000001'],
    );
    // 12.34 × (2 + 3 + 4) still due; the first invoice is paid.
    const balance = dataOf(await ask<Page>(page, { id: accountId, c }, owner.token)).billingAccount.balance;
    assert.deepEqual(balance, { amountMinor: 11106, amount: '111.06' });
    for (const bad of [{ first: 101 }, { first: 0 }, { after: 'not-a-cursor' }]) {
      assert.equal(codeOf(await ask(page, { id: accountId, ...bad }, owner.token)), 'BAD_USER_INPUT');
    }
  });

  it('publishes each invoice change with the token of its version, for live subscribers', async () => {
    // The history's seventh invoice event is the payment that settles it.
    const paid = { id: history.invoiceId, consistencyToken: invoiceToken(history.invoiceId, 7) };
    const published = () => updates.find((u) => u['consistencyToken'] === paid.consistencyToken);
    for (let waited = 0; !published() && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(published(), paid);
    // What the gateway reads for a subscriber with that token is the paid invoice.
    const read = await ask(INVOICE, { id: paid.id, c: paid.consistencyToken }, owner.token);
    assert.equal((dataOf(read)['invoice'] as { status: string }).status, 'PAID');
  });

  describe('invoice PDFs', () => {
    const pdf = (url: string, token?: string) =>
      fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    it('serves the owner’s invoice as a PDF, directly and through the gateway', async () => {
      const gatewayBase = settings.gatewayUrl.replace(/\/graphql$/, '');
      for (const origin of [base, gatewayBase]) {
        const response = await pdf(`${origin}/invoices/${history.invoiceId}.pdf`, owner.token);
        assert.equal(response.status, 200, origin);
        assert.equal(response.headers.get('content-type'), 'application/pdf');
        assert.match(response.headers.get('content-disposition') ?? '', /ACME-000001\.pdf/);
        const bytes = Buffer.from(await response.arrayBuffer());
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      }
    });

    it('answers 404 for another customer’s invoice, as for a missing one, and 401 without a token', async () => {
      for (const origin of [base, settings.gatewayUrl.replace(/\/graphql$/, '')]) {
        assert.equal((await pdf(`${origin}/invoices/${history.invoiceId}.pdf`, stranger.token)).status, 404);
        assert.equal((await pdf(`${origin}/invoices/${randomUUID()}.pdf`, stranger.token)).status, 404);
        assert.equal((await pdf(`${origin}/invoices/not-an-id.pdf`, stranger.token)).status, 404);
        assert.equal((await pdf(`${origin}/invoices/${history.invoiceId}.pdf`)).status, 401);
      }
      assert.equal((await pdf(`${base}/invoices/${history.invoiceId}.pdf`, admin.token)).status, 200);
    });
  });

  it('is reachable through the gateway’s supergraph', async () => {
    const response = await graphql<{ invoice: { number: string; account: { balance: { amount: string } } } }>(
      settings.gatewayUrl,
      'query($id: ID!) { invoice(id: $id) { number account { balance { amount } } } }',
      { id: history.invoiceId },
      { token: owner.token },
    );
    assert.equal(dataOf(response).invoice.number, 'ACME-000001');
  });
});
