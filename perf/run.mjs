#!/usr/bin/env node
// `npm run perf [-- options]`: load tests against the locally running stack (`npm start`).
// See perf/README.md. Budgets in perf/budgets.json are goals: a miss is reported, and fails the
// process only with --strict.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkGateway } from './lib/graphql.mjs';
import { LogWatch } from './lib/logs.mjs';
import { perfRoot } from './lib/paths.mjs';
import { environment, writeReport } from './lib/report.mjs';
import { formatNumber, judge, progress, timings, validateBudgets } from './lib/runner.mjs';
import { redact, stackTargets } from './lib/targets.mjs';

const SUITES = {
  // The stack's own CPU with no traffic at all (first, before other suites leave work behind).
  idle: () => import('./idle/idle.mjs'),
  'energy-query': () => import('./energy-query/consumption.mjs'),
  // Ingestion is energy-command's suite: readings accepted through the gateway and carried to
  // the replica by the relay and projector.
  'energy-command': () => import('./energy-command/ingestion.mjs'),
  // Sign-in throughput (scrypt-bound), straight to identity and through a gateway of its own.
  identity: () => import('./identity/login.mjs'),
  // The gateway's own cost: floor, the hop, plan cache and persisted queries on/off.
  gateway: () => import('./gateway/overhead.mjs'),
  // Billing's write side: a month's invoices for 1,000/10,000 accounts, then paying them all
  // and following settlement through the payment sandbox's webhooks.
  'billing-command': () => import('./billing-command/billing-command.mjs'),
  // The monthly billing run (the scheduler's batched pass) over 10,000 accounts.
  'billing-run': () => import('./billing-command/billing-run.mjs'),
  // Billing's read side: a customer's invoice list through the gateway and straight to billing-query.
  'billing-query': () => import('./billing-query/invoices.mjs'),
  // Feeds' read side: a feed page and trending courses after a seed of 10,000 users and
  // 1,000,000 activities produced as events to Kafka (and how fast the projection absorbs it).
  'feeds-query': () => import('./feeds-query/feed.mjs'),
  // Feeds' write side: post → follower's feed lag (ordinary author and celebrity), postUpdate req/s.
  'feeds-command': () => import('./feeds-command/fanout.mjs'),
  // Live updates: a feedUpdates fan-out to 1,000 subscribers, each event read as each subscriber.
  subscriptions: () => import('./subscriptions/fanout.mjs'),
  // Gateway engines side by side on the same supergraph: a bare Apollo Server, @apollo/gateway,
  // ours, Hive Gateway with and without its Rust planner (installed into perf/engines on demand).
  'gateway-engines': () => import('./engines/engines.mjs'),
};

/** Suites that `--suite all` leaves out: they run only when named. */
const ON_DEMAND = new Set(['gateway-engines']);

const USAGE = `usage: npm run perf -- [options]
  --quick              short warm-ups and runs: about 2 minutes per suite
  --suite NAME         energy-query | energy-command | identity | gateway | all (default: all)
                       | idle (no traffic: the stack's own CPU, about 1 minute, 2.5 full)
                       | billing-command | billing-query (billing-command seeds 10,000 accounts,
                       1,000 with --quick, and takes several minutes more)
                       | feeds-query | feeds-command (feeds-query seeds 1,000,000 activities through
                       Kafka, 100,000 with --quick; FEEDS_QUERY_URL, KAFKA_BROKERS as the services')
                       | subscriptions (feedUpdates to 1,000 subscribers, 300 with --quick)
                       | gateway-engines (five engines side by side on the composed supergraph;
                       installs perf/engines on first use; about 20 minutes; not part of all)
  --gateway URL        gateway GraphQL endpoint (default: $GATEWAY_URL or http://127.0.0.1:4000/graphql)
  --strict             exit 1 when a scenario misses its budget in perf/budgets.json
  --connections N      concurrent connections/workers for the query scenarios (default 32; logins
                       always try 2, 4 and 8)
  --duration S         measured seconds per query scenario (default 8 quick, 20 full)
  --warmup S           warm-up seconds per query scenario (default 2 quick, 5 full)
Only loopback targets are accepted. The stack must be running: \`npm start\`.`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      suite: { type: 'string', default: 'all' },
      gateway: { type: 'string' },
      strict: { type: 'boolean', default: false },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const number = (name, min) => {
    if (values[name] === undefined) return undefined;
    const value = Number(values[name]);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return value;
  };
  // The engine comparison is a spike run on demand (it installs packages and takes ~20 minutes).
  const suites =
    values.suite === 'all' ? Object.keys(SUITES).filter((name) => !ON_DEMAND.has(name)) : [values.suite];
  if (!suites.every((name) => SUITES[name])) {
    throw new Error(
      `--suite must be one of ${[...Object.keys(SUITES), 'all'].join(', ')}, not ${values.suite}`,
    );
  }
  return {
    help: values.help,
    quick: values.quick,
    strict: values.strict,
    gateway: values.gateway,
    suites,
    connections: number('connections', 1),
    duration: number('duration', 1),
    warmup: number('warmup', 0),
  };
}

/** Cleanup steps (e.g. dropping a scratch database) also run on Ctrl-C. */
const cleanups = new Set();
export function onCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
async function runCleanups() {
  for (const fn of [...cleanups].reverse()) {
    await Promise.resolve()
      .then(fn)
      .catch((error) => progress(`cleanup failed: ${error.message}`));
  }
  cleanups.clear();
}

async function main() {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let interrupted = null; // the cleanup started by Ctrl-C
  process.once('SIGINT', () => {
    progress('interrupted; cleaning up');
    interrupted = runCleanups().finally(() => process.exit(130));
  });

  const targets = await stackTargets({ gateway: options.gateway });
  progress(
    `gateway ${targets.gateway}, replica ${redact(targets.replicaServer)}, primary ${redact(targets.primaryServer)}`,
  );
  await checkGateway(targets.gateway);
  const budgets = JSON.parse(readFileSync(join(perfRoot, 'budgets.json'), 'utf8'));
  validateBudgets(budgets);

  const mode = options.quick ? 'quick' : 'full';
  const command = `npm run perf -- ${process.argv.slice(2).join(' ')}`.replace(/ -- $/, '');
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let failed = false;
  let missed = 0;
  const written = [];
  for (const name of options.suites) {
    const suite = (await SUITES[name]()).default;
    const logs = new LogWatch();
    const startedAt = new Date().toISOString();
    progress(`suite ${name} (${mode})`);
    const report = {
      suite: name,
      mode,
      command,
      startedAt,
      environment: environment(),
      targets: {
        gateway: targets.gateway,
        energyQuery: targets.energyQuery,
        identity: targets.identity,
        replica: redact(targets.replicaServer),
      },
      results: [],
    };
    try {
      const outcome = await suite.run({ targets, options, timings: timings(options), runId, onCleanup });
      Object.assign(report, outcome);
    } catch (error) {
      failed = true;
      report.failure = error.stack ?? String(error);
      progress(`suite ${name} failed: ${error.message}`);
    } finally {
      await runCleanups();
    }
    for (const result of report.results) judge(result, budgets[result.scenario]);
    missed += report.results.filter((r) => r.verdict === 'miss').length;
    report.finishedAt = new Date().toISOString();
    report.serviceLogs = logs.problems();
    if (report.failure)
      (report.notes ??= []).push(`The suite stopped early: ${report.failure.split('\n')[0]}`);
    // Outside the stack: live processes ("other") plus busy time no live process accounts for
    // (mostly processes that came and went during the run, e.g. someone's compiler).
    const outside = (r) => (r.cpu?.groups?.other ?? 0) + (r.cpu?.unattributedPct ?? 0);
    const disturbed = report.results.filter((r) => outside(r) >= 20);
    if (disturbed.length) {
      const list = disturbed.map((r) => `${r.scenario} (${outside(r)}% of a core)`).join(', ');
      (report.notes ??= []).push(
        `Processes outside the stack used CPU during ${list}: those numbers are disturbed; rerun on a quiet machine.`,
      );
      progress(`warning: other processes used CPU during ${list}`);
    }
    // An interrupted suite's partial numbers must not replace the latest report.
    if (interrupted) return interrupted.then(() => 130);
    written.push(...writeReport(report));
    printSummary(report);
  }
  progress(`reports: ${written.join(', ')}`);
  if (failed) return 1;
  if (missed > 0 && options.strict) {
    progress(`${missed} scenario(s) missed their budget; failing because of --strict`);
    return 1;
  }
  if (missed > 0)
    progress(`${missed} scenario(s) missed their budget (goals only; pass --strict to fail on a miss)`);
  return 0;
}

function printSummary(report) {
  const lines = [`${report.suite} (${report.mode}):`];
  for (const r of report.results) {
    const lat = r.latencyMs;
    lines.push(
      `  ${r.scenario.padEnd(42)} ${formatNumber(r.rps).padStart(9)} req/s  p50 ${formatNumber(lat.p50)} ` +
        `p95 ${formatNumber(lat.p95)} p99 ${formatNumber(lat.p99)} ms  errors ${r.errors.total}  ` +
        `${r.summary ?? ''}  [${r.verdict}${r.missed.length ? `: ${r.missed.join('; ')}` : ''}]`,
    );
  }
  for (const c of report.comparisons ?? []) lines.push(`  ${c.text}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`perf: ${error.message}\n`);
    void runCleanups().finally(() => process.exit(1));
  },
);
