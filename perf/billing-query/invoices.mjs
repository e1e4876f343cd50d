// Suite billing-query: a customer's invoice list (`billingAccount(id) { balance invoices(first:
// 20) { … } }`) through the gateway, straight to the billing-query subgraph, and filtered by
// status. Setup at small scale, the billing-command suite's way: one meter seeded by SQL into
// billing-command's ledger (60 days of hourly usage) for a fresh customer, who opens the account
// through the gateway; an ADMIN issues 40 daily invoices; the customer pays 10 of them; the
// harness waits until billing-query shows all of it.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gql, userHeaders } from '../lib/graphql.mjs';
import { formatNumber, progress, runInterleaved } from '../lib/runner.mjs';
import {
  billingCommandClient,
  billingQueryUrl,
  createTariff,
  DAY_MS,
  deleteUsage,
  expectedInvoice,
  freshToken,
  insertMeters,
  insertUsage,
  isTestAmount,
  ISSUE_INVOICE,
  newAdmin,
  OPEN_ACCOUNT,
  payBody,
  registerUser,
  requireBillingApi,
  waitForInvoice,
} from '../billing-command/billing.mjs';

const USAGE_DAYS = 60;
const INVOICE_DAYS = 40;
const PAID_INVOICES = 10;
const PAGE_SIZE = 20;
/** The seed's average for invoice lists (the performance issue): the budget's p99 must beat it. */
const SEED_LIST_MS = 189;

const connectionQuery = (filtered) => `query Invoices($id: ID!${filtered ? ', $status: InvoiceStatus' : ''}) {
  billingAccount(id: $id) {
    balance { amount }
    invoices(first: ${PAGE_SIZE}${filtered ? ', status: $status' : ''}) {
      nodes { number status total { amount } amountDue { amount } issuedAt }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const ALL_INVOICES = `query All($id: ID!, $t: String) {
  billingAccount(id: $id, consistency: $t) {
    balance { amountMinor }
    invoices(first: 100) { nodes { id status amountDue { amountMinor } } }
  }
}`;

/** Polls billing-query through the gateway until the account shows `count` invoices, `paid` of them PAID. */
async function waitForList(url, owner, accountId, { count, paid, token, timeoutMs = 120_000 }) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const data = await gql(url, {
        query: ALL_INVOICES,
        variables: { id: accountId, t: token },
        token: await freshToken(url, owner),
      });
      last = data.billingAccount;
      const nodes = last?.invoices.nodes ?? [];
      if (nodes.length >= count && nodes.filter((n) => n.status === 'PAID').length >= paid) return last;
    } catch (error) {
      if (!/CONSISTENCY|NOT_FOUND/i.test(error.code ?? error.message)) throw error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `billing-query did not show ${count} invoices (${paid} PAID) within ${timeoutMs / 1000} s: ${JSON.stringify(last)?.slice(0, 300)}`,
      );
    }
    await sleep(200);
  }
}

export default {
  name: 'billing-query',
  async run({ targets, timings, runId, onCleanup }) {
    const { connections, warmupSec, durationSec } = timings;
    const url = targets.gateway;
    const direct = billingQueryUrl();

    // ---- setup ----------------------------------------------------------------------------------
    progress('billing-query: registering a perf ADMIN and a customer through the gateway');
    const admin = await newAdmin(targets, runId);
    await requireBillingApi(url, admin.token);
    const owner = await registerUser(url, runId, 'invoices');
    const tariff = await createTariff(url, admin, runId);

    const today = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS);
    const usageFrom = new Date(today.getTime() - USAGE_DAYS * DAY_MS);
    const meter = { meterId: randomUUID(), serial: `perf-${runId}-invoices-0`, index: 0 };
    const client = await billingCommandClient(targets);
    let cleaned = false;
    const cleanUp = async () => {
      if (cleaned) return;
      cleaned = true;
      await deleteUsage(client, [meter.meterId], 'billing-query: cleanup');
    };
    const removeCleanup = onCleanup(async () => {
      await cleanUp();
      await client.end().catch(() => undefined);
    });
    await insertMeters(client, [meter], owner.userId);
    const usage = await insertUsage(client, [meter], usageFrom, USAGE_DAYS * 24, {
      label: 'billing-query: usage',
    });

    const opened = await gql(url, {
      query: OPEN_ACCOUNT,
      variables: { input: { tariffId: tariff.id, meterIds: [meter.meterId] } },
      token: await freshToken(url, owner),
    });
    const accountId = opened.openBillingAccount.id;

    progress(`billing-query: issuing ${INVOICE_DAYS} daily invoices for account ${accountId}`);
    const invoices = [];
    for (let d = INVOICE_DAYS; d >= 1; d -= 1) {
      const period = {
        start: new Date(today.getTime() - d * DAY_MS),
        end: new Date(today.getTime() - (d - 1) * DAY_MS),
      };
      const data = await gql(url, {
        query: ISSUE_INVOICE,
        variables: { a: accountId, s: period.start.toISOString(), e: period.end.toISOString() },
        token: await freshToken(url, admin),
      });
      invoices.push({ ...data.issueInvoice, period });
    }
    // One check of the pricing on a daily invoice (the billing-command suite checks monthly ones).
    const sample = invoices[invoices.length - 1];
    const expected = expectedInvoice({ index: 0, usageFrom, period: sample.period, tariff });
    if (expected.totalMinor !== sample.total.amountMinor) {
      throw new Error(
        `invoice ${sample.number} totals ${sample.total.amountMinor}, the harness's pricing says ${expected.totalMinor}`,
      );
    }
    const last = invoices[invoices.length - 1];
    await waitForInvoice(url, owner, last.id, last.consistencyToken);

    // The customer pays 10 invoices (every 4th whose total is no sandbox test amount), so the
    // list mixes ISSUED and PAID and the status filter has something to filter.
    const toPay = invoices
      .filter((inv, i) => i % 4 === 0 && !isTestAmount(inv.total.amountMinor))
      .slice(0, PAID_INVOICES);
    for (const inv of toPay) {
      await gql(url, {
        body: payBody(runId, { id: inv.id, totalMinor: inv.total.amountMinor, currency: inv.total.currency }),
        token: await freshToken(url, owner),
      });
    }
    progress(`billing-query: paid ${toPay.length} invoices; waiting until billing-query shows them PAID`);
    const account = await waitForList(url, owner, accountId, {
      count: INVOICE_DAYS,
      paid: toPay.length,
      token: last.consistencyToken,
    });
    const dueMinor = account.invoices.nodes.reduce((sum, n) => sum + n.amountDue.amountMinor, 0);

    // The page each scenario asks for, checked once.
    const body = JSON.stringify({ query: connectionQuery(false), variables: { id: accountId } });
    const filteredBody = JSON.stringify({
      query: connectionQuery(true),
      variables: { id: accountId, status: 'ISSUED' },
    });
    const page = (await gql(url, { body, token: owner.token })).billingAccount;
    const filteredPage = (await gql(url, { body: filteredBody, token: owner.token })).billingAccount;
    const directPage = (await gql(direct, { body, token: owner.token })).billingAccount;
    if (page.invoices.nodes.length !== PAGE_SIZE || !page.invoices.pageInfo.hasNextPage)
      throw new Error(`unexpected invoice page: ${JSON.stringify(page).slice(0, 300)}`);
    if (filteredPage.invoices.nodes.some((n) => n.status !== 'ISSUED'))
      throw new Error(
        `the status filter let other statuses through: ${JSON.stringify(filteredPage).slice(0, 300)}`,
      );
    if (JSON.stringify(directPage) !== JSON.stringify(page))
      throw new Error('billing-query answers the subgraph request differently from the gateway request');

    // ---- scenarios, in turns --------------------------------------------------------------------
    await freshToken(url, owner);
    const headers = userHeaders(owner.token);
    const common = { connections, warmupSec, durationSec, headers };
    const rounds = durationSec >= 16 ? 4 : 2;
    const [viaGateway, straight, filtered] = await runInterleaved(
      [
        {
          ...common,
          name: 'billing-query.invoices-connection',
          description:
            `\`billingAccount(id) { balance { amount } invoices(first: ${PAGE_SIZE}) { nodes { number status total ` +
            "amountDue issuedAt } pageInfo } }` through the gateway as the account's owner (40 invoices, 10 PAID): " +
            'token verification, the account read, then balance and the page from Redis when the cache entry is as ' +
            "new as the account's revision (it is, in a steady state), else from Postgres.",
          url,
          body,
        },
        {
          ...common,
          name: 'billing-query.invoices-connection-subgraph',
          description: `The same request straight to the billing-query subgraph (${direct}): the difference is the gateway hop.`,
          url: direct,
          body,
        },
        {
          ...common,
          name: 'billing-query.invoices-connection-status',
          description:
            `The same through the gateway with \`invoices(first: ${PAGE_SIZE}, status: ISSUED)\` (30 of the 40 match): ` +
            'its own cache entry per status.',
          url,
          body: filteredBody,
        },
      ],
      { rounds },
    );
    await cleanUp();
    removeCleanup();
    await client.end();

    const ratio = viaGateway.rps > 0 ? Math.round((straight.rps / viaGateway.rps) * 100) / 100 : null;
    viaGateway.metrics.seedListMs = SEED_LIST_MS;
    viaGateway.metrics.subgraphRatio = ratio;
    viaGateway.summary =
      `p99 ${formatNumber(viaGateway.latencyMs.p99)} ms vs the seed's ${SEED_LIST_MS} ms average; ` +
      `the subgraph alone does ${ratio}× this rate`;
    straight.summary = `${ratio}× the rate through the gateway`;
    filtered.summary = `status filter; ${formatNumber(filtered.rps / (viaGateway.rps || 1), 2)}× the unfiltered rate`;
    const comparisons = [
      {
        a: viaGateway.scenario,
        b: straight.scenario,
        ratio,
        text:
          `Gateway hop: the billing-query subgraph alone serves ${formatNumber(straight.rps)} req/s (p99 ` +
          `${formatNumber(straight.latencyMs.p99)} ms), ${ratio}× the ${formatNumber(viaGateway.rps)} req/s through the ` +
          `gateway (p99 ${formatNumber(viaGateway.latencyMs.p99)} ms).`,
      },
      {
        a: viaGateway.scenario,
        text:
          `Invoice list p99 through the gateway: ${formatNumber(viaGateway.latencyMs.p99)} ms at ${connections} ` +
          `connections, against the seed's ${SEED_LIST_MS} ms average for invoice lists (the budget: p99 ≤ ${SEED_LIST_MS} ms).`,
      },
    ];
    return {
      setup: {
        accountId,
        ownerUserId: owner.userId,
        adminUserId: admin.userId,
        meterSerial: meter.serial,
        usageRowsSeeded: usage.rows,
        usage: { from: usageFrom.toISOString(), days: USAGE_DAYS },
        invoices: INVOICE_DAYS,
        paid: toPay.length,
        balanceMinor: account.balance.amountMinor,
        sumOfAmountDueMinor: dueMinor,
        pageBytes: JSON.stringify(page).length,
        roundsPerScenario: rounds,
        subgraph: direct,
        tariff,
      },
      results: [viaGateway, straight, filtered],
      comparisons,
      notes: [
        'Setup as in the billing-command suite, at small scale: the meter and its 60 days of hourly usage were inserted by ' +
          "SQL into billing-command's billing_meters and usage_hourly (billing's ledger is normally fed by energy.events); " +
          'the account, the 40 daily invoices and the 10 payments went through the real mutations, and the ' +
          'usage rows were deleted afterwards.',
        `The three scenarios were measured in turns (${rounds} slices each), so background load hits them alike.`,
        account.balance.amountMinor === dueMinor
          ? `balance (${account.balance.amountMinor}) equals the sum of the invoices' amountDue.`
          : `balance (${account.balance.amountMinor}) differs from the sum of the invoices' amountDue (${dueMinor}).`,
      ],
    };
  },
};
