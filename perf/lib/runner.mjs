// The shared runner: HTTP load through autocannon, concurrent loops for work that is not HTTP
// (plain SQL), latency statistics, CPU accounting per process and budget verdicts.
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuSampler } from './cpu.mjs';

/** Progress goes to stderr, so stdout stays free for a summary. */
export function progress(message) {
  process.stderr.write(`perf: ${message}\n`);
}

/** Durations for a mode; `--duration`/`--warmup` override them. */
export function timings(options) {
  const base = options.quick ? { warmupSec: 2, durationSec: 8 } : { warmupSec: 5, durationSec: 20 };
  return {
    warmupSec: options.warmup ?? base.warmupSec,
    durationSec: options.duration ?? base.durationSec,
    connections: options.connections ?? 32,
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** p50/p95/p99/max/mean of a list of milliseconds, rounded to 0.01 ms. */
export function latencyStats(values) {
  const sorted = Float64Array.from(values).sort();
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  const mean = sorted.length ? sorted.reduce((sum, v) => sum + v, 0) / sorted.length : null;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? sorted[sorted.length - 1] : null),
    mean: round(mean),
  };
}

function errorTally() {
  return { non2xx: 0, graphql: 0, transport: 0, timeouts: 0, total: 0, samples: [] };
}

function sampleError(errors, text) {
  if (errors.samples.length < 3) errors.samples.push(String(text).slice(0, 300));
}

/**
 * Runs one HTTP scenario: a warm-up run whose numbers are discarded, then the measured run.
 * scenario: { name, description, url, connections, headers, body | nextBody(), warmupSec, durationSec }
 * `nextBody` builds each request's body (e.g. a different variable per request); otherwise the
 * same `body` is sent every time. A 2xx answer whose body carries `"errors"` counts as a
 * GraphQL error.
 */
export async function runHttp(scenario) {
  const { name, warmupSec, durationSec } = scenario;
  if (warmupSec > 0) {
    progress(`${name}: warm-up ${warmupSec} s with ${scenario.connections} connections`);
    await autocannonRun(scenario, warmupSec, null);
  }
  progress(`${name}: measuring ${durationSec} s with ${scenario.connections} connections`);
  const latencies = [];
  const errors = errorTally();
  const cpu = new CpuSampler();
  cpu.start();
  const result = await autocannonRun(scenario, durationSec, { latencies, errors });
  const cpuUsage = cpu.stop();
  errors.transport = result.errors - result.timeouts;
  errors.timeouts = result.timeouts;
  errors.total = errors.non2xx + errors.graphql + result.errors;
  const completed = result.requests.total;
  return {
    scenario: name,
    description: scenario.description,
    kind: 'http',
    url: scenario.url,
    connections: scenario.connections,
    durationSec: result.duration,
    requests: completed,
    rps: Math.round((completed / result.duration) * 10) / 10,
    latencyMs: latencyStats(latencies),
    errors,
    metrics: {},
    cpu: cpuUsage,
  };
}

function autocannonRun(scenario, durationSec, record) {
  return new Promise((resolve, reject) => {
    const request = {
      method: 'POST',
      path: new URL(scenario.url).pathname,
      headers: scenario.headers,
      body: scenario.body,
      onResponse: (status, body) => {
        if (!record) return;
        if (status < 200 || status > 299) {
          record.errors.non2xx += 1;
          sampleError(record.errors, `HTTP ${status}: ${body}`);
        } else if (body.includes('"errors"')) {
          record.errors.graphql += 1;
          sampleError(record.errors, body);
        }
      },
    };
    if (scenario.nextBody) {
      request.setupRequest = (req) => ({ ...req, body: scenario.nextBody() });
    }
    const instance = autocannon(
      {
        url: scenario.url,
        connections: scenario.connections,
        duration: durationSec,
        timeout: 10,
        requests: [request],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (record) {
      instance.on('response', (_client, _status, _bytes, responseTime) =>
        record.latencies.push(responseTime),
      );
      instance.on('reqError', (error) => sampleError(record.errors, `request error: ${error.message}`));
      let seconds = 0;
      instance.on('tick', (counter) => {
        seconds += 1;
        if (seconds % 5 === 0)
          progress(`${scenario.name}: ${seconds} s, ${counter.counter} responses in the last second`);
      });
    }
  });
}

/**
 * Runs `op(worker)` in `concurrency` loops for a fixed time and measures it like an HTTP
 * scenario: a warm-up, then the measured run. Used for the direct-SQL comparisons.
 */
export async function runLoop({ name, description, concurrency, warmupSec, durationSec, op }) {
  if (warmupSec > 0) {
    progress(`${name}: warm-up ${warmupSec} s with ${concurrency} workers`);
    await loop(concurrency, warmupSec, op, null);
  }
  progress(`${name}: measuring ${durationSec} s with ${concurrency} workers`);
  const latencies = [];
  const errors = errorTally();
  const cpu = new CpuSampler();
  cpu.start();
  const elapsedSec = await loop(concurrency, durationSec, op, { latencies, errors });
  const cpuUsage = cpu.stop();
  errors.total = errors.transport;
  return {
    scenario: name,
    description,
    kind: 'loop',
    connections: concurrency,
    durationSec: Math.round(elapsedSec * 100) / 100,
    requests: latencies.length,
    rps: Math.round((latencies.length / elapsedSec) * 10) / 10,
    latencyMs: latencyStats(latencies),
    errors,
    metrics: {},
    cpu: cpuUsage,
  };
}

async function loop(concurrency, durationSec, op, record) {
  const started = performance.now();
  const end = started + durationSec * 1000;
  const worker = async (index) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await op(index);
        record?.latencies.push(performance.now() - t0);
      } catch (error) {
        if (record) {
          record.errors.transport += 1;
          sampleError(record.errors, error.message);
        }
        await sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return (performance.now() - started) / 1000;
}

// ---- budgets ---------------------------------------------------------------------------------

/** Budget keys and where each reads its number in a result. */
const BUDGET_CHECKS = {
  minRps: { read: (r) => r.rps, label: 'req/s', min: true },
  maxP50Ms: { read: (r) => r.latencyMs.p50, label: 'p50 ms' },
  maxP95Ms: { read: (r) => r.latencyMs.p95, label: 'p95 ms' },
  maxP99Ms: { read: (r) => r.latencyMs.p99, label: 'p99 ms' },
  minReadingsPerSec: { read: (r) => r.metrics.readingsPerSec, label: 'readings/s', min: true },
  maxLagP50Ms: { read: (r) => r.metrics.lagMs?.p50, label: 'lag p50 ms' },
  maxLagP99Ms: { read: (r) => r.metrics.lagMs?.p99, label: 'lag p99 ms' },
  maxErrors: { read: (r) => r.errors.total, label: 'errors' },
};

/** Throws on a budget key the runner does not know, so a typo cannot pass silently. */
export function validateBudgets(budgets) {
  for (const [scenario, budget] of Object.entries(budgets)) {
    if (scenario.startsWith('_')) continue;
    for (const key of Object.keys(budget)) {
      if (key.startsWith('_') || key === 'goal') continue;
      if (!BUDGET_CHECKS[key]) {
        throw new Error(
          `perf/budgets.json: ${scenario}.${key} is not a known budget (${Object.keys(BUDGET_CHECKS).join(', ')})`,
        );
      }
    }
  }
}

/** "≥ 5,000 req/s, p99 ≤ 30 ms" */
export function describeBudget(budget) {
  if (!budget) return '';
  return Object.entries(budget)
    .filter(([key]) => BUDGET_CHECKS[key])
    .map(
      ([key, value]) =>
        `${BUDGET_CHECKS[key].label} ${BUDGET_CHECKS[key].min ? '≥' : '≤'} ${formatNumber(value)}`,
    )
    .join(', ');
}

/**
 * Adds `budget`, `verdict` and `missed` to a result. A scenario with a budget also misses it
 * when it had errors (more than `maxErrors`, default 0). Without a budget the verdict is '-'.
 */
export function judge(result, budget) {
  result.budget = budget ?? null;
  result.missed = [];
  if (!budget) {
    result.verdict = result.errors.total > 0 ? 'errors' : '-';
    return result;
  }
  for (const [key, limit] of Object.entries(budget)) {
    const check = BUDGET_CHECKS[key];
    if (!check) continue;
    const value = check.read(result);
    const ok = value !== null && value !== undefined && (check.min ? value >= limit : value <= limit);
    if (!ok)
      result.missed.push(
        `${check.label} ${formatNumber(value)} (budget ${check.min ? '≥' : '≤'} ${formatNumber(limit)})`,
      );
  }
  if (budget.maxErrors === undefined && result.errors.total > 0)
    result.missed.push(`${result.errors.total} errors`);
  result.verdict = result.missed.length === 0 ? 'pass' : 'miss';
  return result;
}

export function formatNumber(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: places });
}
