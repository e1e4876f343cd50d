// Where the harness sends load: the gateway, the energy-query subgraph and the databases.
// Everything must be a loopback address: this harness is for the local stack only.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.mjs';

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

export function isLoopbackHost(hostname) {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return host === '[::ffff:127.0.0.1]' || host === '::ffff:127.0.0.1';
}

/** Throws unless `url` points at this machine. `what` names the setting in the message. */
export function requireLoopback(url, what) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${what} is not a URL: ${url}`);
  }
  if (!isLoopbackHost(parsed.hostname)) {
    throw new Error(
      `${what} ${redact(url)} is not a loopback address; the perf harness only targets the local stack (127.0.0.1, localhost, ::1)`,
    );
  }
  return url;
}

/** The URL without a password, for messages and reports. */
export function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A Postgres server URL with `database` appended when it names none (same rule as the services). */
export function withDatabase(url, database) {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The connection settings of the running local stack: explicit environment variables win,
 * else the ports of the infra profile (infra/local/profile.mjs; dev: primary 15432,
 * replica 15433, redis 16379), exactly as `npm start` hands them to the services.
 * `identity` (IDENTITY_URL, default http://127.0.0.1:4001/graphql) is the identity subgraph.
 */
export async function stackTargets({ gateway } = {}) {
  let infra = {};
  try {
    const module = await import(join(repoRoot, 'infra/local/infra.mjs'));
    infra = module.env();
  } catch {
    infra = {
      DATABASE_URL: 'postgres://voltstream@127.0.0.1:15432',
      READ_REPLICA_URLS: 'postgres://voltstream@127.0.0.1:15433',
      REDIS_URL: 'redis://127.0.0.1:16379',
    };
  }
  const primary = process.env.DATABASE_URL || infra.DATABASE_URL;
  const replica = (process.env.READ_REPLICA_URLS || infra.READ_REPLICA_URLS).split(',')[0].trim();
  const targets = {
    gateway: gateway || process.env.GATEWAY_URL || 'http://127.0.0.1:4000/graphql',
    energyQuery: process.env.ENERGY_QUERY_URL || 'http://127.0.0.1:4102/graphql',
    identity: process.env.IDENTITY_URL || 'http://127.0.0.1:4001/graphql',
    primaryServer: primary,
    replicaServer: replica,
    redis: process.env.REDIS_URL || infra.REDIS_URL,
  };
  requireLoopback(targets.gateway, '--gateway/GATEWAY_URL');
  requireLoopback(targets.energyQuery, 'ENERGY_QUERY_URL');
  requireLoopback(targets.identity, 'IDENTITY_URL');
  requireLoopback(targets.primaryServer, 'DATABASE_URL');
  requireLoopback(targets.replicaServer, 'READ_REPLICA_URLS');
  requireLoopback(targets.redis, 'REDIS_URL');
  return targets;
}

/** `.data/<profile>/`, where `npm start` keeps pid files and logs (may not exist). */
export function profileDir() {
  const dir = join(repoRoot, '.data', process.env.VOLTSTREAM_PROFILE || 'dev');
  return existsSync(dir) ? dir : null;
}
