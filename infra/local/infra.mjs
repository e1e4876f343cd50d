#!/usr/bin/env node
// Local infrastructure for Voltstream: Postgres primary + streaming replica,
// Redis and Kafka, each under .data/<profile>/ on its own ports.
//   CLI:    node infra/local/infra.mjs up|down|status|env|destroy [postgres|replica|redis|kafka ...]
//   Module: import { up, down, status, env, profileDir } from './infra/local/infra.mjs'
// Built-ins only, so it runs before `npm install`. See README.md.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downKafka, kafkaStatus, upKafka } from './kafka.mjs';
import { clusterStatus, crashPrimary, downPrimary, upPrimary } from './postgres.mjs';
import { withLock } from './lock.mjs';
import { InfraError, log } from './processes.mjs';
import { CONNECTION_ENV, external, ports, profileDir, profileName } from './profile.mjs';
import { downRedis, redisStatus, upRedis } from './redis.mjs';
import { downReplica, upReplica } from './replica.mjs';

export { DATABASES } from './postgres.mjs';
export { profileDir };

const COMPONENTS = {
  postgres: { up: upPrimary, down: downPrimary, status: () => clusterStatus('primary') },
  replica: { up: upReplica, down: downReplica, status: () => clusterStatus('replica') },
  redis: { up: upRedis, down: downRedis, status: redisStatus },
  kafka: { up: upKafka, down: downKafka, status: kafkaStatus },
};
const ORDER = Object.keys(COMPONENTS);

function select(components = []) {
  const unknown = components.filter((name) => !ORDER.includes(name));
  if (unknown.length > 0) {
    throw new InfraError(`unknown component ${unknown.join(', ')} (expected: ${ORDER.join(', ')})`);
  }
  return components.length === 0 ? ORDER : ORDER.filter((name) => components.includes(name));
}

/** Why we must leave a component alone, or null when it is ours to manage. */
function skipReason(component) {
  if (external(component)) return `${CONNECTION_ENV[component]} is set`;
  // A local replica can only be cloned from, and stream from, the local primary.
  if (component === 'replica' && external('postgres'))
    return 'DATABASE_URL is set, so there is no local primary to replicate';
  return null;
}

function managed(components, verb) {
  return select(components).filter((component) => {
    const reason = skipReason(component);
    if (reason) log(`${component}: ${reason}; not ${verb} it`);
    return !reason;
  });
}

// Parallel callers (e.g. test workers each calling up()) take turns per profile.
const withProfileLock = (fn) => withLock(path.join(profileDir(), 'infra.lock'), fn);

/**
 * Starts what is missing and waits until each component really serves.
 * Independent chains start concurrently (the replica always after the
 * primary, which it needs); a cold start is bounded by Kafka, not the sum.
 */
export async function up(components) {
  const wanted = managed(components, 'starting');
  if (wanted.includes('replica') && !wanted.includes('postgres')) wanted.unshift('postgres');
  const chains = [['postgres', 'replica'], ['redis'], ['kafka']]
    .map((chain) => chain.filter((component) => wanted.includes(component)))
    .filter((chain) => chain.length > 0);
  const results = await withProfileLock(() =>
    Promise.allSettled(
      chains.map(async (chain) => {
        for (const component of chain) await COMPONENTS[component].up();
      }),
    ),
  );
  const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new InfraError(failures.map((failure) => failure.message).join(' AND '));
  return env();
}

async function stop(components) {
  for (const component of [...components].reverse()) await COMPONENTS[component].down();
}

/** Stops what this profile started, in reverse order; data stays on disk. */
export async function down(components) {
  const wanted = managed(components, 'stopping');
  if (fs.existsSync(profileDir())) await withProfileLock(() => stop(wanted));
  else log(`nothing to stop: ${profileDir()} does not exist`);
}

/** `down`, then delete this profile's folder (never the shared Kafka jars). */
export async function destroy() {
  const wanted = managed([], 'stopping');
  if (!fs.existsSync(profileDir())) return log(`nothing to destroy: ${profileDir()} does not exist`);
  await withProfileLock(async () => {
    await stop(wanted);
    fs.rmSync(profileDir(), { recursive: true, force: true });
  });
  log(`removed ${profileDir()}`);
}

export async function status() {
  const result = {};
  for (const component of ORDER) {
    result[component] = skipReason(component)
      ? { external: true, url: env()[CONNECTION_ENV[component]] }
      : await COMPONENTS[component].status();
  }
  return result;
}

/** Connection settings for the services: given values win, else this profile's ports. */
export function env() {
  const port = ports();
  const databaseUrl = external('postgres') ?? `postgres://voltstream@127.0.0.1:${port.primary}`;
  return {
    // Server URLs without a database name: each service appends its own (see DATABASES).
    DATABASE_URL: databaseUrl,
    // With an external primary and no replica given, reads go to that primary.
    READ_REPLICA_URLS:
      external('replica') ??
      (external('postgres') ? databaseUrl : `postgres://voltstream@127.0.0.1:${port.replica}`),
    REDIS_URL: external('redis') ?? `redis://127.0.0.1:${port.redis}`,
    KAFKA_BROKERS: external('kafka') ?? `127.0.0.1:${port.kafka}`,
  };
}

async function main([command, ...components]) {
  switch (command) {
    case 'up':
      return void (await up(components));
    case 'down':
      return down(components);
    case 'crash':
      // A fault for tests: only the primary can be crashed this way.
      if (components.length !== 1 || components[0] !== 'postgres')
        throw new InfraError('crash takes one component: postgres');
      if (skipReason('postgres'))
        throw new InfraError(`postgres: ${skipReason('postgres')}; not crashing it`);
      return withProfileLock(() => crashPrimary());
    case 'status':
      return console.log(JSON.stringify(await status(), null, 2));
    case 'env':
      return Object.entries(env()).forEach(([key, value]) => console.log(`${key}=${value}`));
    case 'destroy':
      if (components.length > 0)
        throw new InfraError('destroy takes no components: it removes the whole profile');
      return destroy();
    default:
      throw new InfraError(
        `usage: node infra/local/infra.mjs up|down|crash|status|env|destroy [${ORDER.join('|')} ...] (profile: ${profileName()})`,
      );
  }
}

// Run as a CLI only when executed directly, not when imported by scripts/ or tests.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  main(process.argv.slice(2)).catch((error) => {
    const reason = error instanceof InfraError ? error.message : `unexpected error: ${error.stack ?? error}`;
    process.stderr.write(`infra: error: ${reason.replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = 1;
  });
}
