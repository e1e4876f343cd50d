// Redis from the distribution's redis-server, daemonized, AOF-persisted.
import fs from 'node:fs';
import path from 'node:path';
import { ensurePortsFree, isListening, retryOnBindConflict, startupFailure } from './network.mjs';
import { logOffset, logSince } from './logfiles.mjs';
import {
  aptInstall,
  elapsed,
  isOurProcess,
  log,
  readPidFile,
  run,
  terminate,
  waitGone,
  waitUntil,
  which,
} from './processes.mjs';
import { logsDir, ports, profileDir } from './profile.mjs';

function redis() {
  const dir = path.join(profileDir(), 'redis');
  return {
    dir,
    port: ports().redis,
    pidFile: path.join(dir, 'redis.pid'),
    logFile: path.join(logsDir(), 'redis.log'),
    // Written into the process title (see --proc-title-template) so a pid file
    // can be matched to this profile's server and never to another redis-server.
    marker: `voltstream:${dir}`,
  };
}

function runningPid(r) {
  const pid = readPidFile(r.pidFile);
  return isOurProcess(pid, r.marker) ? pid : null;
}

async function binaries() {
  if (!which('redis-server')) await aptInstall('redis-server', 'redis-server not found');
  return { server: which('redis-server'), cli: which('redis-cli') };
}

async function ping(cli, r) {
  const { code, stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(r.port), 'ping'], {
    allowFailure: true,
  });
  return code === 0 && stdout.trim() === 'PONG'; // LOADING while the AOF is replayed
}

/** Waits for PONG; fails fast when the server died (its log says why). */
async function waitServing(r, cli, offset) {
  await waitUntil(
    async () => {
      if (await ping(cli, r)) return true;
      // A bind failure exits before the pid file exists; later failures leave a stale one.
      const died =
        (fs.existsSync(r.pidFile) && !runningPid(r)) || /aborting/i.test(logSince(r.logFile, offset));
      if (died) throw startupFailure('redis', r.logFile, offset);
      return false;
    },
    { what: 'redis', timeoutMs: 30_000, logFile: r.logFile },
  );
}

export async function upRedis() {
  const startedAt = Date.now();
  const r = redis();
  const { server, cli } = await binaries();
  const reused = Boolean(runningPid(r));
  if (reused) await waitServing(r, cli, logOffset(r.logFile));
  else {
    fs.mkdirSync(r.dir, { recursive: true });
    fs.mkdirSync(logsDir(), { recursive: true });
    const options = {
      port: r.port,
      bind: '127.0.0.1',
      dir: r.dir,
      // AOF only (no RDB snapshots): every write survives `down`/`up` without fork-heavy saves.
      appendonly: 'yes',
      save: '',
      daemonize: 'yes',
      pidfile: r.pidFile,
      logfile: r.logFile,
      'proc-title-template': `{title} {listen-addr} ${r.marker}`,
    };
    await retryOnBindConflict('redis', async () => {
      await ensurePortsFree('redis', { REDIS_PORT: r.port });
      fs.rmSync(r.pidFile, { force: true });
      const offset = logOffset(r.logFile);
      await run(
        server,
        Object.entries(options).flatMap(([key, value]) => [`--${key}`, String(value)]),
      );
      await waitServing(r, cli, offset);
    });
  }
  log(`redis ${reused ? 'reused' : 'up'} on 127.0.0.1:${r.port} (${elapsed(startedAt)})`);
}

export async function downRedis() {
  const r = redis();
  const pid = runningPid(r);
  if (!pid) return log('redis not running');
  // SHUTDOWN flushes the AOF; SIGTERM (same clean path) covers a server not answering on this port.
  await run(which('redis-cli'), ['-h', '127.0.0.1', '-p', String(r.port), 'shutdown'], {
    allowFailure: true,
  });
  if (!(await waitGone(pid, r.marker, 10_000))) await terminate(pid, r.marker, 10_000);
  log('redis stopped');
}

export async function redisStatus() {
  const r = redis();
  const pid = runningPid(r);
  return { running: Boolean(pid) && (await isListening(r.port)), pid, port: r.port };
}
