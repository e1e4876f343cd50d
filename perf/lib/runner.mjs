// The shared runner: HTTP load through autocannon, concurrent loops for work that is not HTTP
// (plain SQL), scenarios measured in turns (runInterleaved), latency statistics, CPU accounting
// per process and budget verdicts.
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

export function errorTally() {
  return { non2xx: 0, graphql: 0, transport: 0, timeouts: 0, total: 0, samples: [] };
}

export function sampleError(errors, text) {
  if (errors.samples.length < 3) errors.samples.push(String(text).slice(0, 300));
}

/** Counts a GraphQL response as an error: a non-2xx status, or `"errors"` in a 200's body. */
export function tallyResponse(errors, status, body) {
  if (status < 200 || status > 299) {
    errors.non2xx += 1;
    sampleError(errors, `HTTP ${status}: ${body}`);
  } else if (body.includes('"errors"')) {
    errors.graphql += 1;
    sampleError(errors, body);
  }
}

/**
 * Runs one HTTP scenario: a warm-up run whose numbers are discarded, then the measured run.
 * scenario: { name, description, url, connections, headers, body | nextBody() | next(context),
 *             warmupSec, durationSec, method?, path? }
 * `nextBody` builds each request's body (e.g. a different variable per request), `next` its
 * `{ token, body }` (sent as a bearer token); otherwise the same `body` is sent every time. `method` defaults to POST; `path` (with a query string, for a
 * GraphQL GET) to the URL's path. A 2xx answer whose body carries `"errors"` counts as a
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
    // Response bytes read (headers included), from autocannon's throughput counter.
    bytesReceived: result.throughput?.total ?? null,
    cpu: cpuUsage,
  };
}

/**
 * Load whose numbers are discarded, e.g. to bring a freshly started process to the same JIT
 * state as one that already served other scenarios. Takes the same scenario as runHttp.
 */
export async function warmUp(scenario, seconds) {
  progress(`${scenario.name}: priming ${seconds} s with ${scenario.connections} connections`);
  await autocannonRun(scenario, seconds, null);
}

function autocannonRun(scenario, durationSec, record) {
  return new Promise((resolve, reject) => {
    const request = {
      method: scenario.method ?? 'POST',
      path: scenario.path ?? new URL(scenario.url).pathname,
      headers: scenario.headers,
      body: scenario.body,
      onResponse: (status, body) => {
        if (record) tallyResponse(record.errors, status, body);
      },
    };
    if (scenario.next) {
      // Per request: whose token it carries and what it sends (`context` is autocannon's per
      // connection object, so a scenario can rotate users or keep one per connection).
      request.setupRequest = (req, context) => {
        const { token, body } = scenario.next(context);
        return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` }, body };
      };
    } else if (scenario.nextBody) {
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

/**
 * Runs several scenarios (runHttp-style, or runLoop-style with `op` and `concurrency`) in turns:
 * each is warmed up once, then measured in `rounds` slices of durationSec / rounds, round robin,
 * and the slices are added up. Background load that comes and goes (a shared machine) then hits
 * every scenario alike, so their ratios hold even when absolute numbers are disturbed.
 * Returns one result per scenario, in the shape runHttp/runLoop return, plus `rounds`.
 */
export async function runInterleaved(scenarios, { rounds }) {
  const isLoop = (s) => typeof s.op === 'function';
  const width = (s) => (isLoop(s) ? s.concurrency : s.connections);
  for (const s of scenarios) {
    if (!(s.warmupSec > 0)) continue;
    progress(`${s.name}: warm-up ${s.warmupSec} s with ${width(s)} ${isLoop(s) ? 'workers' : 'connections'}`);
    if (isLoop(s)) await loop(s.concurrency, s.warmupSec, s.op, null);
    else await autocannonRun(s, s.warmupSec, null);
  }
  const acc = scenarios.map(() => ({
    latencies: [],
    errors: errorTally(),
    seconds: 0,
    requests: 0,
    bytes: 0,
    httpErrors: 0,
    timeouts: 0,
    cpu: [],
  }));
  for (let round = 1; round <= rounds; round += 1) {
    for (const [index, s] of scenarios.entries()) {
      const a = acc[index];
      const slice = Math.max(1, Math.round(s.durationSec / rounds));
      progress(`${s.name}: measuring ${slice} s with ${width(s)} (round ${round}/${rounds})`);
      const record = { latencies: a.latencies, errors: a.errors };
      const cpu = new CpuSampler();
      cpu.start();
      let seconds;
      if (isLoop(s)) {
        const before = a.latencies.length;
        seconds = await loop(s.concurrency, slice, s.op, record);
        a.requests += a.latencies.length - before;
      } else {
        const result = await autocannonRun(s, slice, record);
        seconds = result.duration;
        a.requests += result.requests.total;
        a.bytes += result.throughput?.total ?? 0;
        a.httpErrors += result.errors;
        a.timeouts += result.timeouts;
      }
      a.seconds += seconds;
      a.cpu.push({ seconds, usage: cpu.stop() });
    }
  }
  return scenarios.map((s, index) => {
    const a = acc[index];
    const { errors } = a;
    if (isLoop(s)) {
      errors.total = errors.transport;
    } else {
      errors.transport = a.httpErrors - a.timeouts;
      errors.timeouts = a.timeouts;
      errors.total = errors.non2xx + errors.graphql + a.httpErrors;
    }
    return {
      scenario: s.name,
      description: s.description,
      kind: isLoop(s) ? 'loop' : 'http',
      ...(isLoop(s) ? {} : { url: s.url }),
      connections: width(s),
      rounds,
      durationSec: Math.round(a.seconds * 100) / 100,
      requests: a.requests,
      rps: a.seconds > 0 ? Math.round((a.requests / a.seconds) * 10) / 10 : 0,
      latencyMs: latencyStats(a.latencies),
      errors,
      metrics: {},
      ...(isLoop(s) ? {} : { bytesReceived: a.bytes }),
      cpu: mergeCpu(a.cpu),
    };
  });
}

/** Duration-weighted average of CpuSampler results. */
function mergeCpu(parts) {
  const usable = parts.filter((p) => p.usage);
  const total = usable.reduce((sum, p) => sum + p.seconds, 0);
  if (usable.length === 0 || total <= 0) return null;
  const weighted = (read) =>
    Math.round(usable.reduce((sum, p) => sum + (read(p.usage) ?? 0) * p.seconds, 0) / total);
  const groups = new Map();
  const others = new Map();
  for (const { seconds, usage } of usable) {
    for (const [group, pct] of Object.entries(usage.groups))
      groups.set(group, (groups.get(group) ?? 0) + pct * seconds);
    for (const { comm, pct } of usage.otherTop ?? [])
      others.set(comm, (others.get(comm) ?? 0) + pct * seconds);
  }
  const average = (map, min) =>
    [...map.entries()]
      .map(([key, sum]) => [key, Math.round(sum / total)])
      .filter(([, pct]) => pct >= min)
      .sort((a, b) => b[1] - a[1]);
  return {
    groups: Object.fromEntries(average(groups, 1)),
    otherTop: average(others, 2)
      .slice(0, 4)
      .map(([comm, pct]) => ({ comm, pct })),
    unattributedPct: weighted((u) => u.unattributedPct),
    machineBusyPct: weighted((u) => u.machineBusyPct),
    stealPct: weighted((u) => u.stealPct),
  };
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
  maxCpuPct: { read: (r) => r.metrics.cpuPct, label: '% of one core' },
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
