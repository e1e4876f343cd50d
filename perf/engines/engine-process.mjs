// One engine of the comparison as a child process: `node <server script>` on a spare loopback
// port, ready once it answers `{ __typename }`, named for the CPU report ("engine <label>"),
// stopped by `stop()` or on the harness's cleanup (also Ctrl-C).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nameProcess } from '../lib/cpu.mjs';
import { sparePort } from '../lib/gateway-process.mjs';
import { progress } from '../lib/runner.mjs';

/** Resident memory of a process in MB, from /proc (null elsewhere or once it exited). */
export function rssMb(pid) {
  try {
    const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function answersTypename(url) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(2000),
    });
    return response.status === 200 && (await response.text()).includes('"Query"');
  } catch {
    return false;
  }
}

/**
 * Starts `script` with `env` (plus PORT) and `nodeArgs`, and waits until its /graphql answers.
 * Returns `{ label, pid, url, logFile, readyMs, rssMb(), stop() }`.
 */
export async function startEngine({
  label,
  script,
  env = {},
  nodeArgs = [],
  onCleanup,
  readyTimeoutMs = 60_000,
}) {
  const port = await sparePort();
  const logFile = join(tmpdir(), `perf-engine-${label}-${process.pid}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, NODE_ENV: 'production', ...env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const forgetPid = nameProcess(child.pid, `engine ${label}`);
  let exited = null;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve((exited = { code, signal }))),
  );
  let removeCleanup = () => undefined;
  const stop = async () => {
    removeCleanup();
    if (!exited) {
      child.kill('SIGTERM');
      if (await Promise.race([exit.then(() => false), sleep(10_000).then(() => true)])) {
        progress(`engine ${label} did not stop in 10 s; killing it`);
        child.kill('SIGKILL');
        await exit;
      }
    }
    forgetPid();
  };
  removeCleanup = onCleanup ? onCleanup(stop) : () => undefined;

  const url = `http://127.0.0.1:${port}/graphql`;
  progress(`engine ${label}: starting on ${url}`);
  const started = Date.now();
  while (!(await answersTypename(url))) {
    const log = () => readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
    if (exited || Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(
        `engine ${label} did not start (${exited ? `exit ${exited.code ?? exited.signal}` : 'timeout'}); log ${logFile}:\n${log()}`,
      );
    }
    await sleep(200);
  }
  const readyMs = Date.now() - started;
  progress(`engine ${label}: ready in ${(readyMs / 1000).toFixed(1)} s`);
  return { label, pid: child.pid, url, logFile, readyMs, rssMb: () => rssMb(child.pid), stop };
}
