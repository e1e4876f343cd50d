// Starts, waits for and stops the services as detached processes of a profile, with their
// logs and pid files under .data/<profile>/. Used by `npm start`, `npm run stop` and the tests.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { loadRegistry } from './registry.mjs';
import { root } from './run.mjs';
import { INSTANCE_PORT_STEP, instanceId, instanceIndexOf, scalePlan } from './scale.mjs';

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

/** Where instance `index` of `app` listens (scripts/lib/scale.mjs): instance 0 on the app's port. */
export const baseUrl = (app, profile, index = 0) =>
  `http://127.0.0.1:${portOf(app, profile) + INSTANCE_PORT_STEP * index}`;

/** Every instance `scale` asks for (one of each app unscaled), checked for port collisions. */
export const planOf = (profile, scale = {}, apps = APPS) =>
  scalePlan(apps, (app) => portOf(app, profile), scale);
export const gatewayUrl = (profile) =>
  `${baseUrl(
    APPS.find((a) => a.name === 'gateway'),
    profile,
  )}/graphql`;

const dirs = (profile) => {
  const base = join(root, '.data', profile);
  return { logs: join(base, 'logs'), pids: join(base, 'pids') };
};

/**
 * The environment each service boots with: infrastructure plus where its peers listen. A peer's
 * GraphQL endpoint lists every instance `scale` runs (comma-separated): only the gateway reads
 * those, and it spreads its calls over them; other peer URLs (identity's keys, the payment
 * sandbox) name instance 0.
 */
export function serviceEnv(profile, infraEnv, scale = {}) {
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
      if (!peer) continue;
      const count = peer.graphql && spec.path === peer.graphql ? (scale[peer.name] ?? 1) : 1;
      env[name] = Array.from(
        { length: count },
        (_, i) => `${baseUrl(peer, profile, i)}${spec.path ?? ''}`,
      ).join(',');
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
    // energy-command estimates meters' gaps every second rather than every minute, so that the
    // VEE tests see a gap estimated without waiting.
    env.VEE_SCAN_INTERVAL_MS ??= '1000';
  }
  if (profile === 'dev') {
    env.RATE_LIMIT_PER_USER ??= '100000000';
    env.RATE_LIMIT_PER_IP ??= '100000000';
  }
  return env;
}

export function pidOf(app, profile, index = 0) {
  const file = join(dirs(profile).pids, `${instanceId(app.name, index)}.pid`);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8'));
  return isAlive(pid) ? pid : null;
}

/** The instance indexes of `app` that have a pid file (started, whether still alive or not). */
function startedIndexes(app, profile) {
  const { pids } = dirs(profile);
  if (!existsSync(pids)) return [];
  return readdirSync(pids)
    .filter((file) => file.endsWith('.pid'))
    .map((file) => instanceIndexOf(app.name, file.slice(0, -'.pid'.length)))
    .filter((index) => index !== undefined)
    .sort((a, b) => a - b);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long a scaled-out instance drains on SIGTERM unless SHUTDOWN_DRAIN_MS says otherwise. */
const SCALED_DRAIN_MS = 3000;

/**
 * Starts the instances (`scale`: how many of each app, 1 when unnamed) not already running;
 * returns the ids it started (`energy-query`, `energy-query.1`, …).
 */
export function startApps(profile, infraEnv, apps = APPS, scale = {}) {
  const { logs, pids } = dirs(profile);
  mkdirSync(logs, { recursive: true });
  mkdirSync(pids, { recursive: true });
  const env = serviceEnv(profile, infraEnv, scale);
  // The pid file of an instance that died (a crash, a SIGKILL) would read as one that failed to
  // start to waitUntilReady, which waits for every instance with a pid file.
  for (const app of apps)
    for (const index of startedIndexes(app, profile))
      if (!pidOf(app, profile, index))
        rmSync(join(pids, `${instanceId(app.name, index)}.pid`), { force: true });
  const started = [];
  for (const { app, instances } of planOf(profile, scale, apps)) {
    for (const { index, id, port } of instances) {
      if (pidOf(app, profile, index)) continue;
      const main = join(root, 'dist/apps', app.name, 'src/main.js');
      const log = openSync(join(logs, `${id}.log`), 'a');
      const own = { ...env, PORT: String(port) };
      // Scaled out, a SIGTERM'd instance keeps answering with readiness red for longer than the
      // gateway takes to notice (SUBGRAPH_HEALTH_INTERVAL_MS, 1 s), so none of its calls fail.
      if (instances.length > 1) own.SHUTDOWN_DRAIN_MS ??= String(SCALED_DRAIN_MS);
      const child = spawn(process.execPath, ['--enable-source-maps', main], {
        cwd: root,
        env: own,
        detached: true,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      writeFileSync(join(pids, `${id}.pid`), String(child.pid));
      child.unref();
      started.push(id);
    }
  }
  return started;
}

/**
 * Waits until /health/ready answers 200 on instance 0 of every app and on each further instance
 * that was started (has a pid file); names the laggards on timeout.
 */
export async function waitUntilReady(profile, apps = APPS, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = apps.flatMap((app) =>
    [...new Set([0, ...startedIndexes(app, profile)])].map((index) => ({
      app,
      index,
      id: instanceId(app.name, index),
    })),
  );
  while (pending.length > 0) {
    for (const instance of [...pending]) {
      const { app, index, id } = instance;
      if (!pidOf(app, profile, index)) {
        throw new Error(`${id} exited during start; see .data/${profile}/logs/${id}.log`);
      }
      if (await isReady(app, profile, index)) {
        pending.splice(pending.indexOf(instance), 1);
        console.error(`apps: ${id} ready on ${baseUrl(app, profile, index)}`);
      }
    }
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(
        `not ready after ${timeoutMs / 1000} s: ${pending.map((p) => p.id).join(', ')} (logs in .data/${profile}/logs/)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function isReady(app, profile, index) {
  try {
    const response = await fetch(`${baseUrl(app, profile, index)}${app.probes.ready}`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The running instances of `apps`: `{ app, index, id, url }`, for listing them. */
export function runningInstances(profile, apps = APPS) {
  return apps.flatMap((app) =>
    startedIndexes(app, profile)
      .filter((index) => pidOf(app, profile, index))
      .map((index) => ({ app, index, id: instanceId(app.name, index), url: baseUrl(app, profile, index) })),
  );
}

/** SIGTERM to every instance, then SIGKILL after `graceMs`; removes the pid files. */
export async function stopApps(profile, apps = APPS, graceMs = 10_000) {
  const started = apps.flatMap((app) =>
    startedIndexes(app, profile).map((index) => ({ app, index, id: instanceId(app.name, index) })),
  );
  const running = started
    .map((instance) => ({ ...instance, pid: pidOf(instance.app, profile, instance.index) }))
    .filter((r) => r.pid);
  for (const { pid } of running) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (running.some((r) => isAlive(r.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const { id, pid } of running) {
    if (isAlive(pid)) {
      console.error(`apps: ${id} did not stop in ${graceMs / 1000} s; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  for (const { id } of started) rmSync(join(dirs(profile).pids, `${id}.pid`), { force: true });
  return running.map((r) => r.id);
}

/** SIGKILL, the way a crash ends a process: no drain, no shutdown hooks. */
export async function killApp(profile, app) {
  const pid = pidOf(app, profile);
  if (!pid) throw new Error(`${app.name} is not running in profile ${profile}`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
  rmSync(join(dirs(profile).pids, `${app.name}.pid`), { force: true });
}
