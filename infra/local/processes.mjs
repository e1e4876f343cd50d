// Process, pid-file and waiting helpers shared by the component modules.
// Node built-ins only: these scripts must run before `npm install`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lastLines, logTail } from './logfiles.mjs';

/** An expected failure: the CLI prints only its message (one line) and exits 1. */
export class InfraError extends Error {}

export function log(message) {
  process.stderr.write(`infra: ${message}\n`);
}

export function elapsed(startedAt) {
  return `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function isRoot() {
  return process.getuid?.() === 0;
}

/**
 * Runs a command to completion and returns its output. Failures become an
 * InfraError carrying the tail of the command's output, because that tail is
 * almost always the actual reason (bad config, port taken, ...).
 * `passthrough` streams output to our stderr (long installs), never stdout,
 * which belongs to `env`/`status`.
 */
export function run(command, args, { env, cwd, allowFailure = false, passthrough = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: env ? { ...process.env, ...env } : process.env,
      stdio: passthrough ? ['ignore', process.stderr, process.stderr] : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new InfraError(`cannot run ${command}: ${error.message}`)));
    child.on('close', (code) => {
      if (code === 0 || allowFailure) return resolve({ code, stdout, stderr });
      const detail = lastLines(`${stderr}\n${stdout}`, 3).join(' | ');
      reject(
        new InfraError(
          `${path.basename(command)} ${args.join(' ')} failed (exit ${code})${detail ? `: ${detail}` : ''}`,
        ),
      );
    });
  });
}

/** Absolute path of an executable on PATH, or null. */
export function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return null;
}

/**
 * Installs a Debian package when we are allowed to, otherwise explains what to install.
 * `recommends: false` leaves out what the package only recommends (prometheus would pull in
 * node-exporter, a second daemon nobody asked for).
 */
export async function aptInstall(pkg, reason, { recommends = true } = {}) {
  if (!isRoot() || !which('apt-get')) {
    throw new InfraError(
      `${reason}: install the "${pkg}" package (e.g. sudo apt-get install -y ${pkg}) and retry`,
    );
  }
  log(`${reason}: running apt-get install -y ${pkg}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, passthrough: true });
  const args = ['install', '-y', ...(recommends ? [] : ['--no-install-recommends']), pkg];
  await run('apt-get', args, { env, passthrough: true });
}

/**
 * Polls `check` until it returns a truthy value. `check` may throw an
 * InfraError to give up early (e.g. the process died). On timeout the error
 * names the log file, the one place that says why.
 */
export async function waitUntil(check, { what, timeoutMs, logFile, intervalMs = 250 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) {
      throw new InfraError(
        `${what} not ready after ${timeoutMs / 1000} s; read ${logFile}${logTail(logFile)}`,
      );
    }
    await sleep(intervalMs);
  }
}

export function readPidFile(file) {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0], 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // alive, owned by another user
  }
}

/**
 * True when `pid` is alive AND its command line contains `marker` (a path or
 * address unique to this profile). After a reboot a pid file can name an
 * unrelated live process; the marker check keeps us from reusing or killing it.
 */
export function isOurProcess(pid, marker) {
  if (!isAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(marker);
  } catch {
    // No /proc (not Linux): liveness is all we can check.
    return !fs.existsSync('/proc/self');
  }
}

/** Waits up to `ms` for our process to exit; true when it did. */
export async function waitGone(pid, marker, ms) {
  const deadline = Date.now() + ms;
  while (isOurProcess(pid, marker)) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

/** SIGTERM, wait up to graceMs for a clean exit, then SIGKILL. */
export async function terminate(pid, marker, graceMs) {
  if (!isOurProcess(pid, marker)) return;
  process.kill(pid, 'SIGTERM');
  if (await waitGone(pid, marker, graceMs)) return;
  log(`pid ${pid} ignored SIGTERM for ${graceMs / 1000} s, sending SIGKILL`);
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, marker, 10_000);
}
