// Suite billing-command: a month's invoices for N accounts (full 10,000, quick 1,000): a fifth
// issued one by one through the gateway, K in flight, checked against the harness's own pricing
// and followed to billing-query, the rest by the scheduler's monthly run (BillingRun); then every invoice paid through the gateway (autocannon, one payInvoice per
// invoice) and followed until billing-command has settled it from the payment sandbox's signed
// webhook. Meters and their hourly usage are seeded by SQL into billing-command's ledger
// (see the notes); accounts, invoices and payments go through the real mutations.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { gql, userHeaders } from '../lib/graphql.mjs';
import { formatNumber, latencyStats, progress } from '../lib/runner.mjs';
import { billByMonthlyRun, monthlyRunRow } from './billing-run.mjs';
import {
  billingCommandClient,
  createTariff,
  errorTally,
  expectedInvoice,
  freshToken,
  HOUR_MS,
  isTestAmount,
  ISSUE_INVOICE,
  mergeCpu,
  mergeErrors,
  newAdmin,
  openAccounts,
  payBody,
  pool,
  requireBillingApi,
  seedMetersWithUsage,
  runFixedHttp,
  signInAgain,
  waitForInvoice,
  withCpu,
} from './billing.mjs';

/** Invoices in flight: each point of the curve gets the same share of the accounts, in turns. */
const ISSUE_CURVE = [8, 16];
/**
 * The share of the accounts invoiced one by one (issueInvoice through the gateway); the rest are
 * invoiced by the scheduler's monthly run (BillingRun), as production bills a month.
 */
const ONE_BY_ONE_SHARE = 0.2;
/** openBillingAccount calls in flight during setup. */
const OPEN_CONCURRENCY = 16;
/** The seed's figures the report compares with (the performance issue). */
const SEED_PAYMENT_MS = 1456;
/** How long settlement may take after the last payment was accepted before the run gives up. */
const SETTLE_TIMEOUT_MS = 180_000;

/** The last whole calendar month in UTC before `now` (what billing's own scheduler bills). */
export function lastWholeMonth(now) {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const start = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { start, end };
}

/** Polls billing_command's invoices until `ids` are all PAID; returns when that was seen (ms epoch). */
async function waitUntilPaid(client, ids, { timeoutMs, label, intervalMs = 100 }) {
  const deadline = Date.now() + timeoutMs;
  let lastReport = Date.now();
  for (;;) {
    const { rows } = await client.query(
      `SELECT count(*) FILTER (WHERE status = 'PAID')::int AS paid FROM invoices WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const paid = rows[0].paid;
    if (paid >= ids.length) return { allPaidAt: Date.now(), paid };
    if (Date.now() > deadline) return { allPaidAt: null, paid };
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      progress(
        `${label}: ${paid.toLocaleString('en-US')}/${ids.length.toLocaleString('en-US')} invoices PAID`,
      );
    }
    await sleep(intervalMs);
  }
}

export default {
  name: 'billing-command',
  async run({ targets, options, timings, runId, onCleanup }) {
    const url = targets.gateway;
    const accountCount = options.quick ? 1000 : 10_000;
    const rounds = options.quick ? 2 : 4;
    const period = lastWholeMonth(new Date());
    const hours = (period.end.getTime() - period.start.getTime()) / HOUR_MS;
    const notes = [];

    // ---- setup: an ADMIN, a tariff ------------------------------------------------------------
    progress('billing-command: registering a perf ADMIN through the gateway');
    const admin = await newAdmin(targets, runId);
    await requireBillingApi(url, admin.token);
    const tariff = await createTariff(url, admin, runId);
    progress(
      `billing-command: tariff ${tariff.id} (${tariff.rates.map((r) => `${r.fromHour}–${r.toHour} @ ${r.pricePerKwhMinor}`).join(', ')}, standing ${tariff.standingChargePerDayMinor}/day)`,
    );

    // ---- setup: meters and usage by SQL -------------------------------------------------------
    const client = await billingCommandClient(targets);
    const { meters, usage, seedMs, cleanUp, removeCleanup } = await seedMetersWithUsage(client, {
      runId,
      count: accountCount,
      ownerId: admin.userId,
      from: period.start,
      hours,
      label: 'billing-command',
      onCleanup,
    });

    // ---- setup: accounts through the gateway --------------------------------------------------
    progress(
      `billing-command: opening ${accountCount.toLocaleString('en-US')} accounts through the gateway, ${OPEN_CONCURRENCY} in flight`,
    );
    const opening = await withCpu(() =>
      openAccounts(url, admin, tariff.id, meters, {
        concurrency: OPEN_CONCURRENCY,
        label: 'billing-command: accounts opened',
      }),
    );
    const open = opening.value;
    const openRow = {
      scenario: 'billing-command.open-accounts',
      description:
        `Setup, measured: \`openBillingAccount(input: {tariffId, meterIds: [one meter]})\` through the gateway as ` +
        `the ADMIN (who owns the seeded meters), ${OPEN_CONCURRENCY} in flight: owner check of the meter, account + ` +
        'account_meters rows and the outbox event in one transaction.',
      kind: 'loop',
      connections: OPEN_CONCURRENCY,
      durationSec: Math.round(open.seconds * 100) / 100,
      requests: open.latencies.length,
      rps: Math.round((open.latencies.length / open.seconds) * 10) / 10,
      latencyMs: latencyStats(open.latencies),
      errors: open.errors,
      metrics: {},
      cpu: opening.cpu.usage,
    };
    openRow.summary = `${formatNumber(openRow.rps)} accounts/s`;
    const accounts = meters
      .map((meter, i) => ({ ...meter, accountId: open.results[i] }))
      .filter((a) => a.accountId);
    if (accounts.length === 0) throw new Error(`no account could be opened: ${open.errors.samples[0] ?? ''}`);
    if (accounts.length < meters.length)
      notes.push(
        `${meters.length - accounts.length} accounts could not be opened (see errors); they were not invoiced.`,
      );

    // ---- scenario: issue invoices, K in flight, in turns ----------------------------------------
    const cut = Math.round(accounts.length * ONE_BY_ONE_SHARE);
    const oneByOne = accounts.slice(0, cut);
    const byRun = accounts.slice(cut);
    const slices = ISSUE_CURVE.length * rounds;
    const sliceSize = Math.ceil(oneByOne.length / slices);
    const perK = new Map(
      ISSUE_CURVE.map((k) => [k, { latencies: [], errors: [], seconds: 0, count: 0, cpu: [] }]),
    );
    const invoices = new Array(oneByOne.length);
    const periodVars = { s: period.start.toISOString(), e: period.end.toISOString() };
    let lastIssued = null;
    let offset = 0;
    progress(
      `billing-command.issue-invoices: ${oneByOne.length.toLocaleString('en-US')} invoices, ${ISSUE_CURVE.join(' and ')} in flight, ` +
        `${rounds} turns each of ${sliceSize.toLocaleString('en-US')}`,
    );
    for (let round = 0; round < rounds; round += 1) {
      for (const k of ISSUE_CURVE) {
        const base = offset;
        const items = oneByOne.slice(base, base + sliceSize);
        offset += sliceSize;
        if (items.length === 0) continue;
        const { value, cpu } = await withCpu(() =>
          pool(
            items,
            k,
            async (account) => {
              const data = await gql(url, {
                query: ISSUE_INVOICE,
                variables: { a: account.accountId, ...periodVars },
                token: await freshToken(url, admin),
              });
              const invoice = { ...data.issueInvoice, answeredAt: performance.now() };
              if (!lastIssued || invoice.answeredAt > lastIssued.answeredAt) lastIssued = invoice;
              return invoice;
            },
            {
              label: `billing-command.issue-invoices (${k} in flight, turn ${round + 1}/${rounds})`,
              totalForProgress: oneByOne.length,
              doneBefore: base,
            },
          ),
        );
        value.results.forEach((invoice, i) => (invoices[base + i] = invoice));
        const point = perK.get(k);
        point.latencies.push(...value.latencies);
        point.errors.push(value.errors);
        point.seconds += value.seconds;
        point.count += value.latencies.length;
        point.cpu.push(cpu);
      }
    }
    const curve = ISSUE_CURVE.map((k) => {
      const p = perK.get(k);
      const stats = latencyStats(p.latencies);
      return {
        inFlight: k,
        invoices: p.count,
        seconds: Math.round(p.seconds * 100) / 100,
        perSec: p.seconds > 0 ? Math.round((p.count / p.seconds) * 10) / 10 : 0,
        p50: stats.p50,
        p95: stats.p95,
        p99: stats.p99,
        errors: mergeErrors(p.errors).total,
      };
    });
    const best = curve.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const bestPoint = perK.get(best.inFlight);
    const issuedCount = curve.reduce((sum, p) => sum + p.invoices, 0);
    const issueSeconds = curve.reduce((sum, p) => sum + p.seconds, 0);

    // The harness's own pricing of a sample: first, last and a few in between.
    const sampleIndexes = [
      ...new Set([
        0,
        oneByOne.length - 1,
        Math.floor(oneByOne.length / 3),
        Math.floor((2 * oneByOne.length) / 3),
        17,
      ]),
    ].filter((i) => i >= 0 && i < oneByOne.length && invoices[i]);
    const checks = sampleIndexes.map((i) => {
      const expected = expectedInvoice({ index: oneByOne[i].index, usageFrom: period.start, period, tariff });
      const invoice = invoices[i];
      const usageLines = invoice.lines.filter((line) => line.quantityKwh !== null);
      return {
        invoice: invoice.number,
        meter: oneByOne[i].serial,
        expectedMinor: expected.totalMinor,
        actualMinor: invoice.total.amountMinor,
        expectedLines: [...expected.lines.map((l) => l.amountMinor), expected.standingMinor],
        actualLines: invoice.lines.map((l) => l.amount.amountMinor),
        expectedKwh: expected.lines.map((l) => l.wh / 1000),
        actualKwh: usageLines.map((l) => l.quantityKwh),
        ok: expected.totalMinor === invoice.total.amountMinor,
      };
    });
    const mismatches = checks.filter((c) => !c.ok);
    progress(
      `billing-command: invoice totals checked against the harness's pricing: ${checks.length - mismatches.length}/${checks.length} match`,
    );

    // Projection: the last invoice answered, followed to billing-query through the gateway.
    let projectionMs = null;
    if (lastIssued) {
      const visible = await waitForInvoice(url, admin, lastIssued.id, lastIssued.consistencyToken);
      projectionMs = Math.round(performance.now() - lastIssued.answeredAt);
      if (visible.total.amountMinor !== lastIssued.total.amountMinor)
        notes.push(
          `billing-query shows invoice ${lastIssued.number} with another total (${visible.total.amountMinor}).`,
        );
      progress(
        `billing-command: billing-query showed the last invoice ${projectionMs} ms after it was issued`,
      );
    }

    const issueErrors = mergeErrors(ISSUE_CURVE.map((k) => mergeErrors(perK.get(k).errors)));
    for (const c of mismatches) {
      issueErrors.graphql += 1;
      issueErrors.total += 1;
      if (issueErrors.samples.length < 3)
        issueErrors.samples.push(
          `invoice ${c.invoice} (${c.meter}) totals ${c.actualMinor}, the harness's pricing says ${c.expectedMinor}`,
        );
    }
    const issueRow = {
      scenario: 'billing-command.issue-invoices',
      description:
        `\`issueInvoice(accountId, periodStart, periodEnd)\` through the gateway as the ADMIN, one per account ` +
        `(${Math.round(ONE_BY_ONE_SHARE * 100)} % of the accounts; the monthly run bills the rest) for ` +
        `the last whole UTC month (${hours} hourly usage rows per meter, Europe/London, two rate bands), ` +
        `${ISSUE_CURVE.join(' and ')} in flight, measured in ${rounds} turns each: account lock, the month's unbilled ` +
        'usage read and priced, invoice row, late usage folded into the ledger and the outbox event in one ' +
        'transaction. The row is the better concurrency; the curve is in its own section.',
      kind: 'loop',
      connections: best.inFlight,
      durationSec: best.seconds,
      requests: best.invoices,
      rps: best.perSec,
      latencyMs: latencyStats(bestPoint.latencies),
      errors: issueErrors,
      metrics: {
        curve,
        bestInFlight: best.inFlight,
        invoicesIssued: issuedCount,
        issueSeconds: Math.round(issueSeconds * 10) / 10,
        overallPerSec: Math.round((issuedCount / issueSeconds) * 10) / 10,
        totalCheck: { checked: checks.length, matching: checks.length - mismatches.length },
        projectionMs,
      },
      cpu: mergeCpu(bestPoint.cpu),
    };
    issueRow.summary =
      `${formatNumber(best.perSec)} invoices/s at ${best.inFlight} in flight (` +
      curve
        .map((p) => `${p.inFlight}: ${formatNumber(p.perSec)}/s p99 ${formatNumber(p.p99)} ms`)
        .join(', ') +
      `); ${formatNumber(issuedCount)} in ${formatNumber(issueSeconds)} s; totals ${checks.length - mismatches.length}/${checks.length} match; ` +
      `billing-query shows the last ${projectionMs === null ? 'n/a' : formatNumber(projectionMs)} ms later`;

    // ---- scenario: the monthly run invoices the other accounts ---------------------------------
    const { runRow, runInvoices } = await monthlyRun(client, byRun, period);

    // ---- scenario: pay every invoice ----------------------------------------------------------
    const issued = invoices.filter(Boolean);
    const payable = [
      ...issued.map((inv) => ({
        id: inv.id,
        totalMinor: inv.total.amountMinor,
        currency: inv.total.currency,
      })),
      ...runInvoices,
    ];
    const testAmounts = payable.filter((inv) => isTestAmount(inv.totalMinor));
    const toPay = payable.filter((inv) => !isTestAmount(inv.totalMinor) && inv.totalMinor > 0);
    const warmCount = Math.max(20, Math.min(200, Math.round(toPay.length * 0.05)));
    const warm = toPay.slice(0, warmCount);
    const measured = toPay.slice(warmCount);
    await signInAgain(url, admin); // a token good for the next 15 minutes
    const headers = userHeaders(admin.token);
    progress(
      `billing-command.pay-invoice: warm-up with ${warm.length} payments (${testAmounts.length} invoices whose total ends in 02/05/09 are not paid)`,
    );
    await runFixedHttp({
      name: 'billing-command.pay-invoice (warm-up)',
      url,
      connections: timings.connections,
      headers,
      bodies: warm.map((inv) => payBody(runId, inv)),
      quiet: true,
    });
    const warmSettled = await waitUntilPaid(
      client,
      warm.map((inv) => inv.id),
      { timeoutMs: 60_000, label: 'billing-command: warm-up settlement' },
    );
    if (warmSettled.allPaidAt === null) {
      throw new Error(
        `only ${warmSettled.paid}/${warm.length} warm-up payments settled within 60 s: is payment-sandbox running ` +
          "(`curl 127.0.0.1:4203/health/ready`) and reaching billing-command's webhook?",
      );
    }

    const measuredIds = measured.map((inv) => inv.id);
    const sendStartedAt = Date.now();
    const pay = await runFixedHttp({
      name: 'billing-command.pay-invoice',
      description:
        `\`payInvoice(invoiceId, amount: the full total, idempotencyKey: a fresh one)\` through the gateway as the ` +
        `invoices' owner, one request per invoice (autocannon, each request the next invoice), ` +
        `${timings.connections} connections: invoice row lock, PENDING payment + invoice state + outbox event in one ` +
        'transaction, then the charge handed to the payment sandbox over HTTP before the answer. ' +
        `The first ${warm.length} payments were a warm-up.`,
      url,
      connections: timings.connections,
      headers,
      bodies: measured.map((inv) => payBody(runId, inv)),
    });
    const payEndedAt = Date.now();

    // ---- settlement: until every accepted payment's invoice is PAID -----------------------------
    const accepted = (
      await client.query(
        'SELECT DISTINCT invoice_id::text AS id FROM payments WHERE invoice_id = ANY($1::uuid[])',
        [measuredIds],
      )
    ).rows.map((r) => r.id);
    progress(
      `billing-command: ${accepted.length.toLocaleString('en-US')} payments recorded; waiting until their invoices are PAID`,
    );
    const settling = await withCpu(() =>
      waitUntilPaid(client, accepted, { timeoutMs: SETTLE_TIMEOUT_MS, label: 'billing-command: settlement' }),
    );
    const settled = settling.value;
    const { rows: outcomes } = await client.query(
      `SELECT p.status, extract(epoch FROM p.created_at) * 1000 AS requested_ms,
              extract(epoch FROM o.created_at) * 1000 AS settled_ms
       FROM payments p
       LEFT JOIN outbox o ON o.message_key = p.invoice_id::text
         AND o.envelope->>'type' IN ('billing.PaymentSucceeded', 'billing.PaymentFailed')
         AND o.envelope->'payload'->>'paymentId' = p.id::text
       WHERE p.invoice_id = ANY($1::uuid[])`,
      [measuredIds],
    );
    const statusCount = (status) => outcomes.filter((o) => o.status === status).length;
    const timed = outcomes.filter((o) => o.status === 'SUCCEEDED' && o.settled_ms !== null);
    const settleLatencies = timed.map((o) => Number(o.settled_ms) - Number(o.requested_ms));
    const lastSettledMs = timed.length ? Math.max(...timed.map((o) => Number(o.settled_ms))) : null;
    const settleEnd = lastSettledMs ?? settled.allPaidAt ?? Date.now();
    const settleSeconds = (settleEnd - sendStartedAt) / 1000;
    const settledCount = statusCount('SUCCEEDED');
    const settleErrors = errorTally();
    const pending = statusCount('PENDING');
    const failed = statusCount('FAILED');
    if (pending > 0) {
      settleErrors.timeouts += pending;
      settleErrors.total += pending;
      settleErrors.samples.push(
        `${pending} payments still PENDING ${SETTLE_TIMEOUT_MS / 1000} s after the last request`,
      );
    }
    if (failed > 0) {
      settleErrors.graphql += failed;
      settleErrors.total += failed;
      settleErrors.samples.push(`${failed} payments FAILED`);
    }
    const settleStats = latencyStats(settleLatencies);
    const settleRow = {
      scenario: 'billing-command.payment-settlement',
      description:
        'The payments of pay-invoice followed to the end: the sandbox settles each charge (200 ms), posts a signed ' +
        'webhook, and billing-command marks the payment SUCCEEDED and the invoice PAID. Rate: payments settled ÷ time ' +
        'from the first payInvoice sent to the last settlement (billing_command.invoices polled by SQL until every ' +
        'invoice is PAID); latency: from billing-command recording the payment (payments.created_at, inside the ' +
        'mutation) to its settlement (the outbox row of billing.PaymentSucceeded, written with the PAID status).',
      kind: 'settlement',
      connections: timings.connections,
      durationSec: Math.round(settleSeconds * 100) / 100,
      requests: settledCount,
      rps: settleSeconds > 0 ? Math.round((settledCount / settleSeconds) * 10) / 10 : 0,
      latencyMs: settleStats,
      errors: settleErrors,
      metrics: {
        recorded: accepted.length,
        succeeded: settledCount,
        failed,
        pending,
        allPaidSecondsAfterFirstRequest:
          settled.allPaidAt === null ? null : Math.round((settled.allPaidAt - sendStartedAt) / 100) / 10,
        settledSecondsAfterLastAnswer:
          lastSettledMs === null ? null : Math.round((lastSettledMs - payEndedAt) / 100) / 10,
        meanMs: settleStats.mean,
        seedAverageMs: SEED_PAYMENT_MS,
      },
      // Settlement runs alongside the payments: the CPU of both phases together.
      cpu: mergeCpu([{ seconds: pay.durationSec, usage: pay.cpu }, settling.cpu]),
    };
    settleRow.summary =
      `${formatNumber(settleRow.rps)} settled payments/s (${formatNumber(settledCount)} in ${formatNumber(settleSeconds)} s ` +
      `from the first request); request → PAID mean ${formatNumber(settleStats.mean)} ms, p50 ${formatNumber(settleStats.p50)}, ` +
      `p99 ${formatNumber(settleStats.p99)} ms (seed: ${formatNumber(SEED_PAYMENT_MS)} ms average per payment)`;
    pay.metrics = {
      warmUpPayments: warm.length,
      notPaidTestAmounts: testAmounts.length,
      recorded: accepted.length,
      settledPerSec: settleRow.rps,
    };
    pay.summary =
      `${formatNumber(pay.rps)} payments/s accepted (PENDING, handed to the sandbox); settled ${formatNumber(settleRow.rps)}/s; ` +
      `${testAmounts.length} test-amount totals (…02/05/09) not paid`;

    // ---- cleanup: the month of usage rows --------------------------------------------------------
    const usageDeleted = await cleanUp();
    removeCleanup();
    await client.end();

    const curveTable = [
      '| in flight | invoices | seconds | invoices/s | p50 ms | p95 ms | p99 ms | errors |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...curve.map(
        (p) =>
          `| ${p.inFlight} | ${formatNumber(p.invoices)} | ${formatNumber(p.seconds)} | ${formatNumber(p.perSec)} | ` +
          `${formatNumber(p.p50)} | ${formatNumber(p.p95)} | ${formatNumber(p.p99)} | ${p.errors} |`,
      ),
      '',
      `All ${formatNumber(issuedCount)} invoices: ${formatNumber(issueSeconds)} s of issuing, ` +
        `${formatNumber(issuedCount / issueSeconds)} invoices/s overall. billing-query showed the last invoice ` +
        `${projectionMs === null ? 'n/a' : `${formatNumber(projectionMs)} ms`} after its issueInvoice answered ` +
        '(`invoice(id, consistency: its token)` through the gateway).',
    ];
    const checkTable = [
      '| invoice | meter | expected total | invoiced total | expected lines (usage bands…, standing) | invoiced lines | match |',
      '| --- | --- | ---: | ---: | --- | --- | --- |',
      ...checks.map(
        (c) =>
          `| ${c.invoice} | ${c.meter} | ${c.expectedMinor} | ${c.actualMinor} | ${c.expectedLines.join(', ')} | ` +
          `${c.actualLines.join(', ')} | ${c.ok ? 'yes' : '**no**'} |`,
      ),
    ];
    const settlementLines = [
      `- Payments recorded: ${formatNumber(accepted.length)} of ${formatNumber(measured.length)} sent ` +
        `(+${warm.length} warm-up); SUCCEEDED ${formatNumber(settledCount)}, FAILED ${failed}, still PENDING ${pending}.`,
      `- Accepted through the gateway at ${formatNumber(pay.rps)} payments/s (p50 ${formatNumber(pay.latencyMs.p50)} ms, ` +
        `p99 ${formatNumber(pay.latencyMs.p99)} ms); settled at ${formatNumber(settleRow.rps)}/s. ` +
        (settleRow.metrics.settledSecondsAfterLastAnswer === null
          ? ''
          : settleRow.metrics.settledSecondsAfterLastAnswer <= 0
            ? 'Settlement kept up: the last payment settled before the last payInvoice answer arrived.'
            : `The last payment settled ${settleRow.metrics.settledSecondsAfterLastAnswer} s after the last answer.`),
      `- Request → PAID per payment: mean ${formatNumber(settleStats.mean)} ms, p50 ${formatNumber(settleStats.p50)}, ` +
        `p95 ${formatNumber(settleStats.p95)}, p99 ${formatNumber(settleStats.p99)} ms, including the sandbox's fixed ` +
        `200 ms settle delay and its 100 ms polling. The seed measured ${formatNumber(SEED_PAYMENT_MS)} ms on average per payment.`,
      `- ${testAmounts.length} invoices had a total ending in 02, 05 or 09 (the sandbox declines those or settles them ` +
        'after 10 s) and were not paid, so the settlement figures are the ordinary path only.',
    ];

    notes.push(
      `Meters and usage were seeded by SQL: ${formatNumber(accountCount)} rows in billing_command.billing_meters (owner: the ` +
        `perf ADMIN ${admin.userId}, serials perf-${runId}-<n>, Europe/London, 60-minute interval, version 1) and ` +
        `${formatNumber(usage.rows)} rows in usage_hourly (one set-based INSERT … SELECT FROM generate_series per 1,000 ` +
        `meters, deterministic Wh per hour) in ${formatNumber(seedMs / 1000)} s. Billing's ledger is normally fed by ` +
        'energy.events (registerMeter and recordReadings through energy-command, Kafka, the usage-ledger projection); ' +
        `registering ${formatNumber(accountCount)} users and meters through the API is too slow (each user costs an scrypt ` +
        "hash) and ingesting a month of readings for each is the energy-command suite's subject, not this one's. " +
        'Accounts, invoices and payments went through the real mutations.',
      "Invoice totals are checked against the harness's own restatement of the pricing rules (per meter and band: " +
        "Wh × price per kWh / 1000, half to even; band = the Europe/London local hour of each UTC hour's start; " +
        'standing charge = per day × hours / 24, half to even): see the check table.',
      `Payments: the seed measured ${formatNumber(SEED_PAYMENT_MS)} ms on average per payment. Here the payInvoice ` +
        `mutation answers in p50 ${formatNumber(pay.latencyMs.p50)} ms / p99 ${formatNumber(pay.latencyMs.p99)} ms at ` +
        `${timings.connections} connections, and a payment is PAID ${formatNumber(settleStats.mean)} ms on average after ` +
        'its request (sandbox settle delay 200 ms included).',
      `Cleanup: the run's ${formatNumber(usageDeleted)} usage_hourly rows were deleted; its accounts, invoices and ` +
        `payments are kept as records (meters perf-${runId}-*, owner ${admin.userId}).`,
    );

    return {
      setup: {
        accounts: accountCount,
        accountsOpened: accounts.length,
        period: { start: period.start.toISOString(), end: period.end.toISOString(), hours },
        tariff,
        adminUserId: admin.userId,
        meterSerials: `perf-${runId}-0 … perf-${runId}-${accountCount - 1}`,
        usageRowsSeeded: usage.rows,
        seedMs,
        openAccountsMs: Math.round(open.seconds * 1000),
        issueCurve: ISSUE_CURVE,
        turnsPerPoint: rounds,
        payments: { warmUp: warm.length, measured: measured.length, notPaidTestAmounts: testAmounts.length },
        usageRowsDeleted: usageDeleted,
      },
      results: [openRow, issueRow, runRow, pay, settleRow],
      sections: [
        { title: 'Issuing by concurrency', lines: curveTable },
        { title: "Invoice totals against the harness's pricing", lines: checkTable },
        { title: 'Payments and settlement', lines: settlementLines },
      ],
      notes,
    };
  },
};

/**
 * The scheduler's monthly run over `accounts` (made due for `period`), as the billing-run suite
 * follows it; returns the scenario row and the invoices it issued, for the payment scenario.
 */
async function monthlyRun(client, accounts, period) {
  const billed = await billByMonthlyRun(
    client,
    accounts.map((a) => a.accountId),
    period,
    'billing-command.monthly-run',
  );
  const runRow = monthlyRunRow(
    'billing-command.monthly-run',
    `The scheduler's monthly run (BillingRun: BILLING_RUN_BATCH_SIZE accounts per transaction, ` +
      `BILLING_RUN_CONCURRENCY batches at once) invoicing the other ${formatNumber(accounts.length)} accounts for the ` +
      'same month. Timed from billing-command /metrics showing the run start to it showing the run end.',
    billed,
  );
  const runInvoices = billed.issued.map((r) => ({
    id: r.id,
    totalMinor: Number(r.total_minor),
    currency: r.currency,
  }));
  return { runRow, runInvoices };
}
