// Shared by the billing suites (billing-command and billing-query): a perf ADMIN, a tariff,
// meters and hourly usage seeded by SQL into billing-command's ledger, accounts opened through
// the gateway, the harness's own copy of the pricing rules (to check an invoice's total), a
// bounded-concurrency pool with progress, and a fixed-count autocannon run (each request pays a
// different invoice exactly once).
import autocannon from 'autocannon';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CpuSampler } from '../lib/cpu.mjs';
import { gql } from '../lib/graphql.mjs';
import { latencyStats, progress } from '../lib/runner.mjs';
import { requireLoopback, withDatabase } from '../lib/targets.mjs';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const TIMEZONE = 'Europe/London';
/** Access tokens live 15 minutes; a full billing run is longer, so the harness signs in again. */
const TOKEN_MAX_AGE_MS = 8 * 60_000;

/** The billing-query subgraph hit directly (BILLING_QUERY_URL, default the dev port 4202). */
export function billingQueryUrl() {
  return requireLoopback(
    process.env.BILLING_QUERY_URL || 'http://127.0.0.1:4202/graphql',
    'BILLING_QUERY_URL',
  );
}

/** Night 00–07 and day 07–24 (local hours of the meter's zone) plus a standing charge, in GBP. */
export const tariffInput = (runId) => ({
  name: `Perf ${runId} night/day`,
  currency: 'GBP',
  standingChargePerDayMinor: 53,
  rates: [
    { fromHour: 0, toHour: 7, pricePerKwhMinor: 13 },
    { fromHour: 7, toHour: 24, pricePerKwhMinor: 31 },
  ],
});

// ---- users -----------------------------------------------------------------------------------

const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { accessToken user { id } }
}`;
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken }
}`;

/**
 * Registers a user of the run through the gateway (like lib/graphql.mjs signUp, but keeping the
 * email, password and user id, which an ADMIN and a meter's owner need).
 */
export async function registerUser(url, runId, label) {
  const email = `perf-${runId}-${label}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `perf-${runId}-passphrase`;
  const data = await gql(url, {
    query: REGISTER,
    variables: { input: { email, password, displayName: `Perf ${label}` } },
  });
  return {
    email,
    password,
    userId: data.register.user.id,
    token: data.register.accessToken,
    tokenAt: Date.now(),
  };
}

/** Signs in again through the gateway: a new access token (with the roles the account has now). */
export async function signInAgain(url, user) {
  const data = await gql(url, { query: LOGIN, variables: { email: user.email, password: user.password } });
  user.token = data.login.accessToken;
  user.tokenAt = Date.now();
  return user.token;
}

/**
 * The user's token, renewed when it is more than 8 minutes old (tokens last 15). Concurrent
 * callers share one sign-in (the gateway throttles sign-ins per account).
 */
export async function freshToken(url, user) {
  if (Date.now() - user.tokenAt > TOKEN_MAX_AGE_MS) {
    user.renewing ??= signInAgain(url, user).finally(() => (user.renewing = undefined));
    await user.renewing;
  }
  return user.token;
}

/**
 * A perf ADMIN: registered through the gateway, promoted in identity's database the way an
 * operator does it (apps/gateway-e2e newAdmin, scripts/create-admin.mjs), then signed in again
 * so its access token carries the role.
 */
export async function newAdmin(targets, runId) {
  const user = await registerUser(targets.gateway, runId, 'admin');
  const client = new pg.Client({
    connectionString: withDatabase(targets.primaryServer, 'identity'),
    application_name: 'perf-harness',
  });
  client.on('error', (error) => progress(`identity connection: ${error.message}`));
  await client.connect();
  try {
    await client.query(`UPDATE users SET roles = array_append(roles, 'ADMIN') WHERE id = $1`, [user.userId]);
  } finally {
    await client.end();
  }
  await signInAgain(targets.gateway, user);
  return user;
}

/** Fails with an instruction when the gateway's supergraph has no billing (a stack started before it). */
export async function requireBillingApi(url, token) {
  try {
    await gql(url, { query: '{ tariffs { id } }', token });
  } catch (error) {
    if (/Cannot query field|GRAPHQL_VALIDATION_FAILED/i.test(`${error.message} ${error.code}`)) {
      throw new Error(
        `the gateway at ${url} has no billing API (${error.message}). The running stack predates billing: ` +
          'restart it with the current build (`npm run build`, then `npm start`), or point --gateway at one that has it.',
      );
    }
    throw error;
  }
}

// ---- tariff, accounts, invoices through the gateway ---------------------------------------------

const CREATE_TARIFF = `mutation CreateTariff($input: CreateTariffInput!) {
  createTariff(input: $input) {
    id currency standingChargePerDay { amountMinor }
    rates { fromHour toHour pricePerKwh { amountMinor } }
  }
}`;

export async function createTariff(url, admin, runId) {
  const data = await gql(url, {
    query: CREATE_TARIFF,
    variables: { input: tariffInput(runId) },
    token: await freshToken(url, admin),
  });
  const t = data.createTariff;
  return {
    id: t.id,
    currency: t.currency,
    standingChargePerDayMinor: t.standingChargePerDay.amountMinor,
    rates: t.rates.map((r) => ({
      fromHour: r.fromHour,
      toHour: r.toHour,
      pricePerKwhMinor: r.pricePerKwh.amountMinor,
    })),
  };
}

export const OPEN_ACCOUNT = `mutation Open($input: OpenBillingAccountInput!) {
  openBillingAccount(input: $input) { id consistencyToken }
}`;

export const ISSUE_INVOICE = `mutation Issue($a: ID!, $s: DateTime!, $e: DateTime!) {
  issueInvoice(accountId: $a, periodStart: $s, periodEnd: $e) {
    id number total { amountMinor currency } lines { quantityKwh amount { amountMinor } } consistencyToken
  }
}`;

export const PAY_INVOICE = `mutation Pay($i: ID!, $a: MoneyInput!, $k: String!) {
  payInvoice(invoiceId: $i, amount: $a, idempotencyKey: $k) { id status }
}`;

/** The body of one payInvoice call: the full amount, a fresh idempotency key. */
export const payBody = (runId, invoice) =>
  JSON.stringify({
    query: PAY_INVOICE,
    variables: {
      i: invoice.id,
      a: { amountMinor: invoice.totalMinor, currency: invoice.currency },
      k: `perf-${runId}-pay-${invoice.id}-${randomBytes(4).toString('hex')}`,
    },
  });

/**
 * The payment sandbox's test amounts (apps/payment-sandbox/README.md): 02 and 05 decline,
 * 09 settles after 10 s. Such totals are not paid by the harness, so settlement stays the
 * ordinary 200 ms path.
 */
export const isTestAmount = (amountMinor) => [2, 5, 9].includes(amountMinor % 100);

/**
 * Waits until billing-query shows an invoice: `invoice(id, consistency: token)` through the
 * gateway waits up to the service's CONSISTENCY_WAIT_MS and is repeated on CONSISTENCY_TIMEOUT
 * (or NOT_FOUND, while the account has not arrived either).
 */
export async function waitForInvoice(url, user, id, consistencyToken, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const data = await gql(url, {
        query:
          'query($id: ID!, $t: String) { invoice(id: $id, consistency: $t) { id status total { amountMinor } } }',
        variables: { id, t: consistencyToken },
        token: await freshToken(url, user),
      });
      if (data.invoice) return data.invoice;
    } catch (error) {
      if (!/CONSISTENCY|NOT_FOUND/i.test(error.code ?? error.message) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`invoice ${id} not visible in billing-query after ${timeoutMs} ms`);
    await sleep(100);
  }
}

// ---- meters and usage by SQL --------------------------------------------------------------------

/** billing-command's database (billing_command on the primary). */
export async function billingCommandClient(targets) {
  const client = new pg.Client({
    connectionString: withDatabase(targets.primaryServer, 'billing_command'),
    application_name: 'perf-harness',
  });
  // A server going away (e.g. the stack stopped mid-run) fails the next query instead of
  // crashing the harness with an unhandled 'error' event.
  client.on('error', (error) => progress(`billing_command connection: ${error.message}`));
  await client.connect();
  return client;
}

/**
 * `count` meters of `ownerId` (serials perf-<runId>-<n>) with `hours` of usage each from `from`,
 * seeded by SQL. The usage rows are deleted by `cleanUp` (once), or on an aborted run through
 * `onCleanup`, which also ends the client.
 */
export async function seedMetersWithUsage(client, { runId, count, ownerId, from, hours, label, onCleanup }) {
  const meters = Array.from({ length: count }, (_, index) => ({
    meterId: randomUUID(),
    serial: `perf-${runId}-${index}`,
    index,
  }));
  const meterIds = meters.map((m) => m.meterId);
  let deleting;
  const cleanUp = () => (deleting ??= deleteUsage(client, meterIds, `${label}: cleanup`));
  const removeCleanup = onCleanup(async () => {
    await cleanUp();
    await client.end().catch(() => undefined);
  });
  progress(
    `${label}: seeding ${count.toLocaleString('en-US')} meters (owner ${ownerId}) and ${hours} hours of usage each ` +
      `(from ${from.toISOString()}) by SQL`,
  );
  const started = performance.now();
  await insertMeters(client, meters, ownerId);
  const usage = await insertUsage(client, meters, from, hours, { label: `${label}: usage` });
  return { meters, usage, seedMs: Math.round(performance.now() - started), cleanUp, removeCleanup };
}

/** One billing account per meter through the gateway, as the ADMIN who owns the meters, `concurrency` in flight. */
export function openAccounts(url, admin, tariffId, meters, { concurrency, label }) {
  return pool(
    meters,
    concurrency,
    async (meter) => {
      const data = await gql(url, {
        query: OPEN_ACCOUNT,
        variables: { input: { tariffId, meterIds: [meter.meterId] } },
        token: await freshToken(url, admin),
      });
      return data.openBillingAccount.id;
    },
    { label },
  );
}

/**
 * Wh used in hour `h` (0-based from the start of the seeded usage) by meter number `i`: varies
 * per hour and meter, deterministic, 40–1240 Wh. WH_SQL is the same formula for Postgres.
 */
export const whAt = (i, h) => 40 + ((i * 7919 + h * 104729 + (i % 13) * h) % 1201);
const WH_SQL = '(40 + ((m.i::bigint * 7919 + h::bigint * 104729 + (m.i % 13) * h) % 1201))';

/**
 * Meters straight into billing_meters, as billing's usage ledger would record them from
 * energy.events (owner, serial, time zone, 60-minute interval, version 1).
 * meters: [{ meterId, serial, index }].
 */
export async function insertMeters(client, meters, ownerId) {
  for (let i = 0; i < meters.length; i += 5000) {
    const chunk = meters.slice(i, i + 5000);
    await client.query(
      `INSERT INTO billing_meters (meter_id, owner_id, serial_number, timezone, interval_minutes, version)
       SELECT id, $3, serial, $4, 60, 1 FROM unnest($1::uuid[], $2::text[]) AS m(id, serial)`,
      [chunk.map((m) => m.meterId), chunk.map((m) => m.serial), ownerId, TIMEZONE],
    );
  }
}

/**
 * Hourly usage for `hours` hours from `from` for every meter, set-based: one
 * INSERT … SELECT FROM unnest(meters) × generate_series(hours) per chunk of meters (the chunks
 * only give progress lines). Returns rows inserted and elapsed ms.
 */
export async function insertUsage(client, meters, from, hours, { chunk = 1000, label = 'usage' } = {}) {
  const started = performance.now();
  let rows = 0;
  let lastReport = started;
  for (let i = 0; i < meters.length; i += chunk) {
    const part = meters.slice(i, i + chunk);
    const result = await client.query(
      `INSERT INTO usage_hourly (meter_id, hour_start, wh)
       SELECT m.meter_id, $3::timestamptz + h * interval '1 hour', ${WH_SQL}
       FROM unnest($1::uuid[], $2::int[]) AS m(meter_id, i) CROSS JOIN generate_series(0, $4::int - 1) AS h`,
      [part.map((m) => m.meterId), part.map((m) => m.index), from, hours],
    );
    rows += result.rowCount;
    const now = performance.now();
    if (now - lastReport > 4000 || i + chunk >= meters.length) {
      lastReport = now;
      progress(
        `${label}: ${Math.min(i + chunk, meters.length).toLocaleString('en-US')}/${meters.length.toLocaleString('en-US')} meters, ` +
          `${rows.toLocaleString('en-US')} hourly rows (${Math.round(rows / ((now - started) / 1000)).toLocaleString('en-US')} rows/s)`,
      );
    }
  }
  return { rows, ms: Math.round(performance.now() - started) };
}

/** Deletes the meters' usage rows (the large part of a run), in chunks, with progress, and vacuums. */
export async function deleteUsage(client, meterIds, label = 'cleanup') {
  let rows = 0;
  const started = performance.now();
  for (let i = 0; i < meterIds.length; i += 1000) {
    const result = await client.query('DELETE FROM usage_hourly WHERE meter_id = ANY($1::uuid[])', [
      meterIds.slice(i, i + 1000),
    ]);
    rows += result.rowCount;
  }
  // Millions of dead rows left to autovacuum make the next run's seed and issuing read through
  // them: billing-run measured 141/s after two runs on one stack, 165/s with this vacuum.
  await client.query('VACUUM (ANALYZE) usage_hourly');
  progress(
    `${label}: deleted ${rows.toLocaleString('en-US')} usage_hourly rows of ${meterIds.length.toLocaleString('en-US')} meters and vacuumed ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return rows;
}

// ---- the harness's own pricing (libs/billing rules, re-stated) ----------------------------------

/** Half to even, in BigInt (libs/billing money.ts roundHalfEven). */
export function roundHalfEven(numerator, denominator) {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const twiceRest = 2n * (remainder < 0n ? -remainder : remainder);
  if (twiceRest < denominator) return quotient;
  const away = quotient + (numerator < 0n ? -1n : 1n);
  if (twiceRest > denominator) return away;
  return quotient % 2n === 0n ? quotient : away;
}

const hourFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIMEZONE,
  hour: 'numeric',
  hourCycle: 'h23',
});
/** The local hour (Europe/London) that contains an instant. */
export const localHour = (date) =>
  Number(hourFormat.formatToParts(date).find((p) => p.type === 'hour').value);

/**
 * What an invoice of one meter must total: per rate band (the local hour of each UTC hour's
 * start), Wh × price / 1000 rounded half to even, plus the standing charge prorated by the
 * period's length (perDay × ms / 1 day, half to even). Usage hour h starts at usageFrom + h hours.
 */
export function expectedInvoice({ index, usageFrom, period, tariff }) {
  const bands = tariff.rates.map(() => 0n);
  for (let t = period.start.getTime(); t < period.end.getTime(); t += HOUR_MS) {
    const h = (t - usageFrom.getTime()) / HOUR_MS;
    const hour = localHour(new Date(t));
    const band = tariff.rates.findIndex((r) => r.fromHour <= hour && hour < r.toHour);
    bands[band] += BigInt(whAt(index, h));
  }
  const lines = bands
    .map((wh, band) => ({ wh, price: BigInt(tariff.rates[band].pricePerKwhMinor) }))
    .filter((line) => line.wh > 0n)
    .map((line) => ({
      wh: Number(line.wh),
      amountMinor: Number(roundHalfEven(line.wh * line.price, 1000n)),
    }));
  const durationMs = BigInt(period.end.getTime() - period.start.getTime());
  const standingMinor = Number(
    roundHalfEven(BigInt(tariff.standingChargePerDayMinor) * durationMs, BigInt(DAY_MS)),
  );
  const totalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0) + standingMinor;
  return { lines, standingMinor, totalMinor };
}

// ---- load helpers -------------------------------------------------------------------------------

export function errorTally() {
  return { non2xx: 0, graphql: 0, transport: 0, timeouts: 0, total: 0, samples: [] };
}

export function addError(errors, kind, text) {
  errors[kind] += 1;
  errors.total += 1;
  if (errors.samples.length < 3) errors.samples.push(String(text).slice(0, 300));
}

/** Sums several tallies into one (samples: the first three). */
export function mergeErrors(list) {
  const merged = errorTally();
  for (const errors of list) {
    for (const key of ['non2xx', 'graphql', 'transport', 'timeouts', 'total']) merged[key] += errors[key];
    merged.samples.push(...errors.samples);
  }
  merged.samples = merged.samples.slice(0, 3);
  return merged;
}

/**
 * Runs `op(item)` for every item with `concurrency` in flight; a failed op is counted (GraphQL
 * error or transport) and not retried. Prints progress every 5 s. Returns latencies (ms) of the
 * successful ops, errors, elapsed seconds and each op's result (undefined when it failed).
 */
export async function pool(items, concurrency, op, { label, totalForProgress, doneBefore = 0 } = {}) {
  const latencies = [];
  const errors = errorTally();
  const results = new Array(items.length);
  let next = 0;
  let done = 0;
  const started = performance.now();
  const total = totalForProgress ?? items.length;
  const ticker = setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    progress(
      `${label}: ${(doneBefore + done).toLocaleString('en-US')}/${total.toLocaleString('en-US')} ` +
        `(${(done / seconds).toFixed(1)}/s at ${concurrency} in flight, ${errors.total} errors)`,
    );
  }, 5000);
  ticker.unref();
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const t0 = performance.now();
      try {
        results[index] = await op(items[index], index);
        latencies.push(performance.now() - t0);
      } catch (error) {
        addError(errors, error.errors || error.status ? 'graphql' : 'transport', error.message);
      }
      done += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    clearInterval(ticker);
  }
  return { latencies, errors, seconds: (performance.now() - started) / 1000, results };
}

/**
 * One POST per body, each exactly once, through autocannon at `connections` (its `amount`
 * option; `setupRequest` hands every new request the next body, so no body is sent twice).
 * Returned like runner.mjs runHttp. A 2xx answer with `"errors"` counts as a GraphQL error.
 */
export async function runFixedHttp({ name, description, url, connections, headers, bodies, quiet = false }) {
  const conns = Math.max(1, Math.min(connections, bodies.length));
  if (!quiet)
    progress(`${name}: ${bodies.length.toLocaleString('en-US')} requests with ${conns} connections`);
  let next = 0;
  const latencies = [];
  const errors = errorTally();
  const cpu = new CpuSampler();
  cpu.start();
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: conns,
        amount: bodies.length,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: new URL(url).pathname,
            headers,
            setupRequest: (request) => ({ ...request, body: bodies[Math.min(next++, bodies.length - 1)] }),
            onResponse: (status, body) => {
              if (status < 200 || status > 299) addError(errors, 'non2xx', `HTTP ${status}: ${body}`);
              else if (body.includes('"errors"')) addError(errors, 'graphql', body);
            },
          },
        ],
      },
      (error, outcome) => (error ? reject(error) : resolve(outcome)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
    instance.on('reqError', (error) => {
      if (errors.samples.length < 3) errors.samples.push(`request error: ${error.message}`);
    });
    if (!quiet) {
      let seconds = 0;
      instance.on('tick', (counter) => {
        seconds += 1;
        if (seconds % 5 === 0)
          progress(
            `${name}: ${seconds} s, ${latencies.length.toLocaleString('en-US')}/${bodies.length.toLocaleString('en-US')} answered, ${counter.counter} in the last second`,
          );
      });
    }
  });
  const cpuUsage = cpu.stop();
  errors.transport = result.errors - result.timeouts;
  errors.timeouts = result.timeouts;
  errors.total = errors.non2xx + errors.graphql + result.errors;
  const completed = result.requests.total;
  return {
    scenario: name,
    description,
    kind: 'http',
    url,
    connections: conns,
    durationSec: result.duration,
    requests: completed,
    rps: Math.round((completed / result.duration) * 10) / 10,
    latencyMs: latencyStats(latencies),
    errors,
    metrics: {},
    bytesReceived: result.throughput?.total ?? null,
    cpu: cpuUsage,
  };
}

/** Duration-weighted average of CpuSampler results (as runner.mjs does for interleaved runs). */
export function mergeCpu(parts) {
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

/** Times a phase's CPU: `{ seconds, usage }` for mergeCpu. */
export async function withCpu(fn) {
  const cpu = new CpuSampler();
  cpu.start();
  const started = performance.now();
  const value = await fn();
  return { value, cpu: { seconds: (performance.now() - started) / 1000, usage: cpu.stop() } };
}
