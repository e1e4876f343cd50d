// The Postgres primary, plus the cluster plumbing the replica (replica.mjs) shares.
import fs from 'node:fs';
import path from 'node:path';
import { ensureTraversable, giveToServer, pgBinary, pgTool, psql, SUPERUSER } from './pg-tools.mjs';
import { ensurePortsFree, isListening, retryOnBindConflict, startupFailure } from './network.mjs';
import { logOffset } from './logfiles.mjs';
import { elapsed, isAlive, isOurProcess, isRoot, log, readPidFile, run, waitUntil } from './processes.mjs';
import { logsDir, ports, profileDir } from './profile.mjs';

/** Each service owns one database; created on the primary when missing. */
export const DATABASES = [
  'identity',
  'energy_command',
  'energy_read',
  'billing_command',
  'billing_read',
  'feeds_command',
  'feeds_read',
  'payment_sandbox',
];

export function cluster(role) {
  const dir = path.join(profileDir(), `pg-${role}`);
  return {
    role,
    label: `postgres ${role}`,
    dir,
    port: ports()[role],
    portEnv: role === 'primary' ? 'PG_PRIMARY_PORT' : 'PG_REPLICA_PORT',
    logFile: path.join(logsDir(), `pg-${role}.log`),
  };
}

/** Pid of the postmaster serving `c.dir`, or null (no server, or a stale postmaster.pid). */
export function clusterPid(c) {
  const pid = readPidFile(path.join(c.dir, 'postmaster.pid'));
  // The postmaster's command line carries `-D <absolute dir>`, which identifies it.
  return isOurProcess(pid, c.dir) ? pid : null;
}

/** Folders, log file and permissions every cluster needs before pg_ctl. */
export async function prepare(c) {
  await pgBinary('initdb'); // installs Postgres first if needed
  fs.mkdirSync(logsDir(), { recursive: true });
  if (isRoot()) await ensureTraversable(profileDir());
  await giveToServer(c.logFile);
}

/**
 * Our settings live in voltstream.conf, included from postgresql.conf and
 * rewritten on every start so port overrides always apply. TCP only: socket
 * paths under a deep clone exceed the 107-byte limit.
 */
async function writeSettings(c, extra = {}) {
  const settings = {
    listen_addresses: "'127.0.0.1'",
    port: c.port,
    unix_socket_directories: "''",
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    wal_keep_size: '256MB',
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    max_connections: 300,
    shared_buffers: '256MB',
    logging_collector: 'off', // pg_ctl -l writes logs/pg-<role>.log
    ...extra,
  };
  const file = path.join(c.dir, 'voltstream.conf');
  await giveToServer(file);
  const body = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
  fs.writeFileSync(file, `# Written by infra/local on every start; edits are lost.\n${body.join('\n')}\n`);
  const main = path.join(c.dir, 'postgresql.conf');
  if (!fs.readFileSync(main, 'utf8').includes("include_if_exists = 'voltstream.conf'")) {
    fs.appendFileSync(main, "\ninclude_if_exists = 'voltstream.conf'\n");
  }
}

/** pg_isready says yes; fails fast if the postmaster died meanwhile. */
async function waitAccepting(c, offset = logOffset(c.logFile)) {
  const readyBin = await pgBinary('pg_isready');
  const args = ['-q', '-h', '127.0.0.1', '-p', String(c.port), '-U', SUPERUSER, '-d', 'postgres', '-t', '2'];
  await waitUntil(
    async () => {
      if ((await run(readyBin, args, { allowFailure: true })).code === 0) return true;
      if (!clusterPid(c)) throw startupFailure(c.label, c.logFile, offset);
      return false;
    },
    { what: c.label, timeoutMs: 60_000, logFile: c.logFile },
  );
}

/** Starts an initialised cluster unless it already runs. Returns true when it was reused. */
export async function startCluster(c, extraSettings) {
  if (clusterPid(c)) {
    await waitAccepting(c);
    return true;
  }
  // After a reboot, postmaster.pid can name a live, unrelated process (often one of the
  // system cluster's), and postgres would refuse to start. A dead pid is left to postgres,
  // which then also checks that no orphaned backend still uses the old shared memory.
  const pidFile = path.join(c.dir, 'postmaster.pid');
  if (isAlive(readPidFile(pidFile))) fs.rmSync(pidFile);
  await writeSettings(c, extraSettings);
  await retryOnBindConflict(c.label, async () => {
    await ensurePortsFree(c.label, { [c.portEnv]: c.port });
    const offset = logOffset(c.logFile);
    try {
      await pgTool('pg_ctl', ['-D', c.dir, '-l', c.logFile, '-w', '-t', '120', 'start']);
    } catch {
      // pg_ctl only says "Examine the log output": quote the log instead.
      throw startupFailure(c.label, c.logFile, offset);
    }
    await waitAccepting(c, offset);
  });
  return false;
}

export async function stopCluster(c) {
  if (!clusterPid(c)) return log(`${c.label} not running`);
  await pgTool('pg_ctl', ['-D', c.dir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  log(`${c.label} stopped`);
}

export async function upPrimary() {
  const startedAt = Date.now();
  const c = cluster('primary');
  await prepare(c);
  if (!fs.existsSync(path.join(c.dir, 'PG_VERSION'))) {
    // Only an empty folder is safe to initdb into; a half-made one is retried from scratch.
    fs.rmSync(c.dir, { recursive: true, force: true });
    await giveToServer(c.dir, { dir: true });
    log(`initdb ${c.dir}`);
    await pgTool('initdb', ['-D', c.dir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    // Loopback TCP only (there is no socket), trusted: a throwaway local cluster.
    fs.writeFileSync(
      path.join(c.dir, 'pg_hba.conf'),
      'host all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n',
    );
  }
  const reused = await startCluster(c);
  const existing = new Set((await psql(c.port, 'select datname from pg_database')).split('\n'));
  for (const database of DATABASES.filter((name) => !existing.has(name))) {
    await psql(c.port, `create database "${database}"`);
  }
  log(`${c.label} ${reused ? 'reused' : 'up'} on 127.0.0.1:${c.port} (${elapsed(startedAt)})`);
}

export const downPrimary = () => stopCluster(cluster('primary'));

/** `pg_ctl -m immediate`: the primary dies as in a crash (no checkpoint; crash recovery on start). */
export async function crashPrimary() {
  const c = cluster('primary');
  if (!clusterPid(c)) return log(`${c.label} not running`);
  await pgTool('pg_ctl', ['-D', c.dir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  log(`${c.label} stopped (immediate)`);
}

export async function clusterStatus(role) {
  const c = cluster(role);
  const pid = clusterPid(c);
  return { running: Boolean(pid) && (await isListening(c.port)), pid, port: c.port };
}
