// Where a profile lives and which ports it uses. Everything here is read from the
// environment on each call, so tests can set VOLTSTREAM_PROFILE / *_PORT before
// importing or calling infra.mjs and get a consistent view.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from './processes.mjs';

// infra/local/ -> repository root. The data lives next to the code, never in $HOME,
// so two clones (or a clone under mktemp -d) never share state.
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA_ROOT = path.join(REPO_ROOT, '.data');

// Distinct port ranges per profile so `test` can run while `dev` is up, and both
// stay clear of the machine's own Postgres (5432) and Redis (6379).
const DEFAULT_PORTS = {
  dev: { primary: 15432, replica: 15433, redis: 16379, kafka: 19092, kafkaController: 19093 },
  test: { primary: 15532, replica: 15533, redis: 16479, kafka: 19192, kafkaController: 19193 },
};

const PORT_ENV = {
  primary: 'PG_PRIMARY_PORT',
  replica: 'PG_REPLICA_PORT',
  redis: 'REDIS_PORT',
  kafka: 'KAFKA_PORT',
  kafkaController: 'KAFKA_CONTROLLER_PORT',
};

// A component whose connection variable is already set is someone else's
// (CI service, shared dev box): we neither start nor stop it.
export const CONNECTION_ENV = {
  postgres: 'DATABASE_URL',
  replica: 'READ_REPLICA_URLS',
  redis: 'REDIS_URL',
  kafka: 'KAFKA_BROKERS',
};

export function profileName() {
  const name = process.env.VOLTSTREAM_PROFILE || 'dev';
  // The name becomes a directory that `destroy` deletes: keep it a plain word.
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new InfraError(`VOLTSTREAM_PROFILE=${JSON.stringify(name)} must be letters, digits, - or _`);
  }
  return name;
}

export function profileDir() {
  return path.join(DATA_ROOT, profileName());
}

export function logsDir() {
  return path.join(profileDir(), 'logs');
}

export function ports() {
  const profile = profileName();
  const result = { ...(Object.hasOwn(DEFAULT_PORTS, profile) ? DEFAULT_PORTS[profile] : {}) };
  for (const [key, envName] of Object.entries(PORT_ENV)) {
    const raw = process.env[envName];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InfraError(`${envName}=${raw} is not a TCP port`);
    }
    result[key] = port;
  }
  const missing = Object.keys(PORT_ENV).filter((key) => result[key] === undefined);
  if (missing.length > 0) {
    throw new InfraError(
      `profile "${profile}" has no default ports (known: ${Object.keys(DEFAULT_PORTS).join(', ')}); ` +
        `set ${missing.map((key) => PORT_ENV[key]).join(', ')}`,
    );
  }
  return result;
}

/** The externally provided connection value for a component, or undefined. */
export function external(component) {
  return process.env[CONNECTION_ENV[component]] || undefined;
}
