// Suite billing-run: the monthly billing run (billing-command's scheduler, BillingRun) issuing a
// month's invoices for N accounts (full 10,000, quick 1,000) with 744 hourly usage rows each.
// Meters and usage are seeded by SQL as in the billing-command suite; accounts are opened through
// the gateway, then made due (opened before the month) and the scheduler's next pass invoices
// them all. Measured from billing-command's /metrics (billing_run_*) and the invoices' rows;
// totals checked against the harness's own pricing; followed to billing-query's read model.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { formatNumber, progress } from '../lib/runner.mjs';
import { requireLoopback, withDatabase } from '../lib/targets.mjs';
import {
  billingCommandClient,
  createTariff,
  expectedInvoice,
  HOUR_MS,
  newAdmin,
  openAccounts,
  requireBillingApi,
  seedMetersWithUsage,
  withCpu,
} from './billing.mjs';
import { lastWholeMonth } from './billing-command.mjs';

const OPEN_CONCURRENCY = 16;
/** The scheduler passes every INVOICE_SCHEDULER_INTERVAL_MS (60 s by default): wait a little longer. */
const RUN_START_TIMEOUT_MS = 90_000;
const RUN_TIMEOUT_MS = 600_000;
/** issueInvoice one at a time through the gateway, before the batched run (perf/reports, 2026-11-23). */
const BEFORE_PER_SEC = 19.7;

const metricsUrl = () => {
  const url = `${process.env.BILLING_COMMAND_BASE_URL || 'http://127.0.0.1:4201'}/metrics`;
  requireLoopback(url, 'BILLING_COMMAND_BASE_URL');
  return url;
};

export async function runMetrics() {
  const text = await (await fetch(metricsUrl(), { signal: AbortSignal.timeout(5000) })).text();
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };
  return {
    running: value('billing_run_running'),
    due: value('billing_run_accounts_due'),
    remaining: value('billing_run_accounts_remaining'),
    issued: value('billing_run_invoices_issued_total'),
    failedBatches: value('billing_run_failed_batches_total'),
  };
}

/** Polls /metrics until a run with at least `due` accounts starts, then until it ends; logs progress. */
export async function followRun(due) {
  const startDeadline = Date.now() + RUN_START_TIMEOUT_MS;
  let started;
  let before;
  for (;;) {
    const m = await runMetrics();
    before ??= m;
    if (m.running === 1 && m.due >= due) {
      started = { at: performance.now(), metrics: m };
      break;
    }
    if (Date.now() > startDeadline)
      throw new Error(
        `no billing run with ${due} accounts due started within ${RUN_START_TIMEOUT_MS / 1000} s`,
      );
    await sleep(100);
  }
  progress(`billing-run: a run started with ${formatNumber(started.metrics.due)} accounts due`);
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let lastReport = Date.now();
  for (;;) {
    const m = await runMetrics();
    if (m.running === 0)
      return { seconds: (performance.now() - started.at) / 1000, before, start: started.metrics, end: m };
    if (Date.now() > deadline)
      throw new Error(`the billing run did not end within ${RUN_TIMEOUT_MS / 1000} s`);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      progress(`billing-run: ${formatNumber(m.due - m.remaining)}/${formatNumber(m.due)} accounts reached`);
    }
    await sleep(100);
  }
}

/**
 * Makes the accounts due for `period` (opened the day before it), follows the scheduler's next
 * pass over them on /metrics and reads the invoices it issued them for the period.
 */
export async function billByMonthlyRun(client, accountIds, period, label) {
  await client.query('UPDATE billing_accounts SET opened_at = $2 WHERE id = ANY($1::uuid[])', [
    accountIds,
    new Date(period.start.getTime() - 86_400_000),
  ]);
  progress(`${label}: ${formatNumber(accountIds.length)} accounts due; waiting for the scheduler`);
  const { value: run, cpu } = await withCpu(() => followRun(accountIds.length));
  const { rows: issued } = await client.query(
    `SELECT id, account_id, total_minor::text, currency, issued_at FROM invoices
     WHERE account_id = ANY($1::uuid[]) AND period_end = $2`,
    [accountIds, period.end],
  );
  return { run, cpu, issued };
}

/** The scenario row of a monthly run: one "request" per invoice, timed by billing-command's /metrics. */
export function monthlyRunRow(scenario, description, { run, cpu, issued }) {
  const failedBatches = run.end.failedBatches - run.before.failedBatches;
  const row = {
    scenario,
    description,
    kind: 'loop',
    connections: 1,
    durationSec: Math.round(run.seconds * 100) / 100,
    requests: issued.length,
    rps: Math.round((issued.length / run.seconds) * 10) / 10,
    latencyMs: { p50: null, p95: null, p99: null },
    errors: { total: failedBatches, samples: [] },
    metrics: { invoices: issued.length, due: run.start.due, failedBatches },
    cpu: cpu.usage,
  };
  row.summary = `${formatNumber(row.rps)} invoices/s: ${formatNumber(issued.length)} in ${formatNumber(row.durationSec)} s`;
  return row;
}

export default {
  name: 'billing-run',
  async run({ targets, options, runId, onCleanup }) {
    const url = targets.gateway;
    const accountCount = options.quick ? 1000 : 10_000;
    const period = lastWholeMonth(new Date());
    const hours = (period.end.getTime() - period.start.getTime()) / HOUR_MS;
    const notes = [];

    progress('billing-run: registering a perf ADMIN through the gateway');
    const admin = await newAdmin(targets, runId);
    await requireBillingApi(url, admin.token);
    const tariff = await createTariff(url, admin, runId);
    const idle = await runMetrics();
    if (idle.running !== 0)
      throw new Error('a billing run is going on already: run this suite on a quiet stack');

    const client = await billingCommandClient(targets);
    const { meters, usage, cleanUp, removeCleanup } = await seedMetersWithUsage(client, {
      runId,
      count: accountCount,
      ownerId: admin.userId,
      from: period.start,
      hours,
      label: 'billing-run',
      onCleanup,
    });
    progress(`billing-run: opening ${formatNumber(accountCount)} accounts through the gateway`);
    const open = await openAccounts(url, admin, tariff.id, meters, {
      concurrency: OPEN_CONCURRENCY,
      label: 'billing-run: accounts opened',
    });
    const accounts = meters.map((m, i) => ({ ...m, accountId: open.results[i] })).filter((a) => a.accountId);
    const accountIds = accounts.map((a) => a.accountId);
    if (accounts.length < meters.length)
      notes.push(`${meters.length - accounts.length} accounts could not be opened; they were not billed.`);

    // Due from now on: the scheduler's next pass bills them (and whatever else is due).
    const billed = await billByMonthlyRun(client, accountIds, period, 'billing-run');
    const { run, issued } = billed;
    const issuedAt = issued.map((r) => r.issued_at.getTime());
    const spanSeconds = issued.length > 1 ? (Math.max(...issuedAt) - Math.min(...issuedAt)) / 1000 : 0;
    const perSec = issued.length / run.seconds;

    // Totals against the harness's pricing, for a spread of accounts.
    const byAccount = new Map(issued.map((r) => [r.account_id, r]));
    const checks = [
      0,
      Math.floor(accounts.length / 3),
      Math.floor((2 * accounts.length) / 3),
      accounts.length - 1,
    ]
      .map((i) => accounts[i])
      .filter(Boolean)
      .map((account) => {
        const expected = expectedInvoice({ index: account.index, usageFrom: period.start, period, tariff });
        const actual = byAccount.get(account.accountId);
        return {
          meter: account.serial,
          expected: expected.totalMinor,
          actual: actual ? Number(actual.total_minor) : null,
          ok: actual !== undefined && Number(actual.total_minor) === expected.totalMinor,
        };
      });

    // billing-query's read model catching up with the run's events.
    const readClient = new pg.Client({
      connectionString: withDatabase(targets.primaryServer, 'billing_read'),
      application_name: 'perf-harness',
    });
    await readClient.connect();
    const projectionStarted = performance.now();
    let projected = 0;
    while (performance.now() - projectionStarted < 300_000) {
      const { rows } = await readClient.query(
        'SELECT count(*)::int AS n FROM invoices WHERE account_id = ANY($1::uuid[]) AND period_end = $2',
        [accountIds, period.end],
      );
      projected = rows[0].n;
      if (projected >= issued.length) break;
      await sleep(200);
    }
    const projectionSeconds = (performance.now() - projectionStarted) / 1000;
    await readClient.end();

    const usageDeleted = await cleanUp();
    removeCleanup();
    await client.end();

    const row = monthlyRunRow(
      'billing-run.monthly-run',
      `The scheduler's monthly run (BillingRun, BILLING_RUN_BATCH_SIZE accounts per transaction) invoicing ` +
        `${formatNumber(accounts.length)} accounts due for the last whole month (${hours} hourly usage rows each, ` +
        'Europe/London, two rate bands): per batch the accounts and their meters locked, their unbilled usage read and ' +
        'priced, the invoices, late-usage marks and outbox events written with one statement each, one commit. Timed from ' +
        'billing-command /metrics showing the run start to it showing the run end (polled every 100 ms).',
      billed,
    );
    Object.assign(row.metrics, {
      issuedAtSpanSeconds: Math.round(spanSeconds * 10) / 10,
      beforePerSec: BEFORE_PER_SEC,
      speedup: Math.round((perSec / BEFORE_PER_SEC) * 10) / 10,
      projectedToBillingQuery: projected,
      projectionSecondsAfterRun: Math.round(projectionSeconds * 10) / 10,
    });
    row.summary +=
      ` (${formatNumber(row.metrics.speedup)}× the ${BEFORE_PER_SEC}/s of issueInvoice one by one); totals ` +
      `${checks.filter((c) => c.ok).length}/${checks.length} match; billing-query had all ` +
      `${formatNumber(projected)} ${formatNumber(row.metrics.projectionSecondsAfterRun)} s after the run ended`;
    notes.push(
      `Meters and ${formatNumber(usage.rows)} usage rows were seeded by SQL (as in the billing-command suite) and ` +
        `deleted afterwards (${formatNumber(usageDeleted)} rows); accounts went through openBillingAccount.`,
      `The run reached ${formatNumber(run.start.due)} due accounts (this suite's plus any other account due); ` +
        `${row.metrics.failedBatches} batches rolled back.`,
    );
    return {
      setup: {
        accounts: accountCount,
        accountsOpened: accounts.length,
        period: { start: period.start.toISOString(), end: period.end.toISOString(), hours },
        tariff,
        usageRowsSeeded: usage.rows,
      },
      results: [row],
      sections: [
        {
          title: "Invoice totals against the harness's pricing",
          lines: [
            '| meter | expected total | invoiced total | match |',
            '| --- | ---: | ---: | --- |',
            ...checks.map((c) => `| ${c.meter} | ${c.expected} | ${c.actual} | ${c.ok ? 'yes' : '**no**'} |`),
          ],
        },
      ],
      notes,
    };
  },
};
