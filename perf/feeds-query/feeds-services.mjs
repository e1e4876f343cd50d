#!/usr/bin/env node
// For a dev stack started before the feeds services were built (its gateway has no feeds API and
// feeds-command/feeds-query on 4301/4302 serve no GraphQL), without restarting it: starts
// feeds-command, feeds-query and a gateway pointed at them, from the current dist/ build on spare
// loopback ports, with the environment `npm start` gives services (scripts/lib/apps.mjs
// serviceEnv: the same databases feeds_command/feeds_read, Kafka and Redis, and the same
// consumer groups). Prints the variables to run the feeds suites against them, and stops what it
// started on Ctrl-C or SIGTERM:
//
//   node perf/feeds-query/feeds-services.mjs &     # prints GATEWAY_URL=… FEEDS_QUERY_URL=…
//   GATEWAY_URL=… FEEDS_QUERY_URL=… npm run perf -- --quick --suite feeds-query
//   kill <its pid>
//
// With a current stack (npm start from a build that has the feeds services), none of this is needed.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sparePort, startGateway } from '../lib/gateway-process.mjs';
import { repoRoot } from '../lib/paths.mjs';

const log = (message) => process.stderr.write(`feeds-services: ${message}\n`);
const children = [];

async function ready(origin, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${origin}/health/ready`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ok) return true;
    await sleep(300);
  }
  return false;
}

async function startApp(name, env) {
  const main = join(repoRoot, 'dist/apps', name, 'src/main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: run \`npm run build\``);
  const port = await sparePort();
  const logFile = join(tmpdir(), `perf-feeds-${name}-${process.pid}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--enable-source-maps', main], {
    cwd: repoRoot,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const origin = `http://127.0.0.1:${port}`;
  const entry = { name, child, origin, logFile, exited: false };
  child.once('exit', () => (entry.exited = true));
  children.push(entry);
  log(`${name}: pid ${child.pid} on ${origin}, log ${logFile}`);
  if (!(await ready(origin))) throw new Error(`${name} was not ready in 90 s; see ${logFile}`);
  log(`${name}: ready`);
  return entry;
}

async function stopAll(gateway) {
  if (gateway) await gateway.stop().catch(() => undefined);
  for (const entry of [...children].reverse()) {
    if (entry.exited) continue;
    entry.child.kill('SIGTERM');
    for (let i = 0; i < 100 && !entry.exited; i += 1) await sleep(100);
    if (!entry.exited) entry.child.kill('SIGKILL');
    log(`${entry.name}: stopped`);
  }
}

async function main() {
  const profile = process.env.VOLTSTREAM_PROFILE || 'dev';
  const apps = await import(join(repoRoot, 'scripts/lib/apps.mjs'));
  const infra = await import(join(repoRoot, 'infra/local/infra.mjs'));
  const base = apps.serviceEnv(profile, infra.env());
  let gateway = null;
  const shutdown = async (signal) => {
    log(`${signal}: stopping`);
    await stopAll(gateway);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    const query = await startApp('feeds-query', base);
    const command = await startApp('feeds-command', base);
    gateway = await startGateway({
      label: 'feeds',
      env: {
        FEEDS_COMMAND_URL: `${command.origin}/graphql`,
        FEEDS_QUERY_URL: `${query.origin}/graphql`,
        GRAPHQL_MODE: process.env.GRAPHQL_MODE ?? 'production',
      },
    });
    const variables = `GATEWAY_URL=${gateway.url} FEEDS_QUERY_URL=${query.origin}/graphql`;
    const file = join(tmpdir(), 'perf-feeds-services.env');
    writeFileSync(file, `${variables}\n`);
    log(`ready; run the suites with: ${variables} npm run perf -- --suite feeds-query (also in ${file})`);
    log(`stop with: kill ${process.pid}`);
    process.stdout.write(`${variables}\n`);
  } catch (error) {
    log(`failed: ${error.message}`);
    await stopAll(gateway);
    process.exit(1);
  }
  for (;;) {
    await sleep(1000);
    const dead = children.find((c) => c.exited);
    if (dead) {
      log(`${dead.name} exited; see ${dead.logFile}`);
      await stopAll(gateway);
      process.exit(1);
    }
  }
}

main();
