// Starts, waits for and stops the services as detached processes of a profile, with their
// logs and pid files under .data/<profile>/. Used by `npm start`, `npm run stop` and the tests.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from './registry.mjs';
import { root } from './run.mjs';

/**
 * Every deployable, from the registry (metadata.voltstream in each app's project.json), in start
 * order: a service after those it depends on, so the gateway comes last.
 */
export const APPS = loadRegistry();

/** Test services run 1000 ports up, so a test run never collides with `npm start`. */
const PORT_OFFSET = { dev: 0, test: 1000 };

export function portOf(app, profile) {
  const override = process.env[`${app.name.toUpperCase().replace(/-/g, '_')}_PORT`];
  return override ? Number(override) : app.port + (PORT_OFFSET[profile] ?? 0);
}

export const baseUrl = (app, profile) => `http://127.0.0.1:${portOf(app, profile)}`;
export const gatewayUrl = (profile) =>
  `${baseUrl(
    APPS.find((a) => a.name === 'gateway'),
    profile,
  )}/graphql`;

const dirs = (profile) => {
  const base = join(root, '.data', profile);
  return { logs: join(base, 'logs'), pids: join(base, 'pids') };
};

/** The environment each service boots with: infrastructure plus where its peers listen. */
export function serviceEnv(profile, infraEnv) {
  const env = { ...process.env, ...infraEnv, HOST: '127.0.0.1', KAFKAJS_NO_PARTITIONER_WARNING: '1' };
  // Libraries' production mode (graphql-js skips its development-only checks on every field it
  // resolves, a measurable share of a feed page's CPU). What the API exposes is set by our own
  // settings (GRAPHQL_MODE, introspection), not by NODE_ENV.
  env.NODE_ENV ??= 'production';
  // Where each service reaches its peers, as the registry names them: the subgraphs (for the
  // gateway), identity's public keys (every service verifies access tokens against them), the
  // card-processor sandbox (billing). A service's URL of itself (the payment webhook) defaults
  // to its own HOST and PORT.
  for (const app of APPS) {
    for (const [name, spec] of Object.entries(app.env)) {
      const peer = spec.peer && spec.peer !== app.name && APPS.find((a) => a.name === spec.peer);
      if (peer) env[name] = `${baseUrl(peer, profile)}${spec.path ?? ''}`;
    }
  }
  // Both sides default to the sandbox's development secret; one variable sets both here.
  if (process.env.PAYMENT_WEBHOOK_SECRET) env.WEBHOOK_SECRET = process.env.PAYMENT_WEBHOOK_SECRET;
  // `npm start` is a developer's stack that the perf suites load from one address with a few
  // users: its general rate limits are raised (the limiter still runs on every request). Tests
  // and deployments keep the defaults; the login throttle stays on everywhere.
  // The test stack reports a stalled projection partition after 3 s instead of 30 s, and a
  // projection waits 1 s for a lock instead of 5 s, so the fault tests (a table locked for 20 s)
  // see readiness turn red and the retries happen, in seconds. The consumers' fetch wait is
  // shortened with them (200 ms instead of 2 s): a stalled partition, once resumed, is fetched
  // again when the fetch in flight returns, so at 2 s every retry of a 1 s lock timeout would
  // take up to 2 s longer. It changes no lag (a fetch returns as soon as data arrives), only how
  // often idle consumers ask.
  if (profile === 'test') {
    env.PROJECTION_STALL_THRESHOLD_MS ??= '3000';
    env.PROJECTION_LOCK_TIMEOUT_MS ??= '1000';
    env.KAFKA_FETCH_WAIT_MS ??= '200';
  }
  if (profile === 'dev') {
    env.RATE_LIMIT_PER_USER ??= '100000000';
    env.RATE_LIMIT_PER_IP ??= '100000000';
  }
  return env;
}

export function pidOf(app, profile) {
  const file = join(dirs(profile).pids, `${app.name}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8'));
  return isAlive(pid) ? pid : null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the apps not already running; returns the names it started. */
export function startApps(profile, infraEnv, apps = APPS) {
  const { logs, pids } = dirs(profile);
  mkdirSync(logs, { recursive: true });
  mkdirSync(pids, { recursive: true });
  const env = serviceEnv(profile, infraEnv);
  const started = [];
  for (const app of apps) {
    if (pidOf(app, profile)) continue;
    const main = join(root, 'dist/apps', app.name, 'src/main.js');
    const log = openSync(join(logs, `${app.name}.log`), 'a');
    const child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: root,
      env: { ...env, PORT: String(portOf(app, profile)) },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    writeFileSync(join(pids, `${app.name}.pid`), String(child.pid));
    child.unref();
    started.push(app.name);
  }
  return started;
}

/** Waits until every app's /health/ready answers 200; names the laggards on timeout. */
export async function waitUntilReady(profile, apps = APPS, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(apps.map((a) => a.name));
  while (pending.size > 0) {
    for (const app of apps.filter((a) => pending.has(a.name))) {
      if (!pidOf(app, profile)) {
        throw new Error(`${app.name} exited during start; see .data/${profile}/logs/${app.name}.log`);
      }
      if (await isReady(app, profile)) {
        pending.delete(app.name);
        console.error(`apps: ${app.name} ready on ${baseUrl(app, profile)}`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `not ready after ${timeoutMs / 1000} s: ${[...pending].join(', ')} (logs in .data/${profile}/logs/)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function isReady(app, profile) {
  try {
    const response = await fetch(`${baseUrl(app, profile)}${app.probes.ready}`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; removes the pid files. */
export async function stopApps(profile, apps = APPS, graceMs = 10_000) {
  const running = apps.map((app) => ({ app, pid: pidOf(app, profile) })).filter((r) => r.pid);
  for (const { pid } of running) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running.some((r) => isAlive(r.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const { app, pid } of running) {
    if (isAlive(pid)) {
      console.error(`apps: ${app.name} did not stop in ${graceMs / 1000} s; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  for (const app of apps) rmSync(join(dirs(profile).pids, `${app.name}.pid`), { force: true });
  return running.map((r) => r.app.name);
}

/** SIGKILL, the way a crash ends a process: no drain, no shutdown hooks. */
export async function killApp(profile, app) {
  const pid = pidOf(app, profile);
  if (!pid) throw new Error(`${app.name} is not running in profile ${profile}`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  rmSync(join(dirs(profile).pids, `${app.name}.pid`), { force: true });
}
