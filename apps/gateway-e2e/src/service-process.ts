import { eventually, service } from '@voltstream/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { settings } from './energy-api';
import { sparePort } from './gateway-process';

const ROOT = join(__dirname, '../../../..');

/** One JSON log line of a service. */
/** The services of the test stack that stand on Postgres: all but the gateway. */
export const DATABASE_SERVICES = [
  'identity',
  'energy-command',
  'energy-query',
  'billing-command',
  'billing-query',
  'feeds-command',
  'feeds-query',
  'payment-sandbox',
];

/** Every service of the test stack. */
export const STACK_SERVICES = [...DATABASE_SERVICES, 'gateway'];

export type LogLine = { msg: string; level: string; time: string } & Record<string, unknown>;

export interface ServiceInstance {
  baseUrl: string;
  pid: number;
  /** Everything it logged so far. */
  logs(): LogLine[];
  isAlive(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** Resolves with its exit code (or signal) once it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM unless it ended already; waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Another instance of a stack service (e.g. a second energy-query) on a spare port, with the
 * test stack's settings (scripts/lib/apps.mjs serviceEnv) and `env` on top; its stdout is
 * kept. With `waitReady`, returns once /health/ready answers 200. The caller stops it.
 */
export async function startInstance(
  name: string,
  env: Record<string, string> = {},
  options: { waitReady?: boolean } = {},
): Promise<ServiceInstance> {
  const port = await sparePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--enable-source-maps', join(ROOT, 'dist/apps', name, 'src/main.js')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
        IDENTITY_JWKS_URL: `${settings.serviceBaseUrl('identity')}/.well-known/jwks.json`,
        PROJECTION_STALL_THRESHOLD_MS: '3000',
        PROJECTION_LOCK_TIMEOUT_MS: '1000',
        // As the test stack (scripts/lib/apps.mjs): retries of a stalled partition in seconds.
        KAFKA_FETCH_WAIT_MS: '200',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: LogLine[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: line, level: 'raw', time: new Date().toISOString() });
    }
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  const instance: ServiceInstance = {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    logs: () => [...lines],
    isAlive,
    signal: (signal) => void child.kill(signal),
    exited,
    stop: async () => {
      if (isAlive()) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
  if (options.waitReady) {
    try {
      await eventually(
        async () => ((await readyStatus(instance.baseUrl)) === 200 ? true : undefined),
        90_000,
        `the extra ${name} on port ${port}`,
      );
    } catch (error) {
      await instance.stop();
      throw error;
    }
  }
  return instance;
}

/** The status of `baseUrl`'s readiness probe, or undefined when it does not answer. */
export async function readyStatus(baseUrl: string): Promise<number | undefined> {
  const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(
    () => undefined,
  );
  return response?.status;
}

/** The readiness body of `baseUrl`, or undefined when it does not answer. */
export async function readiness(
  baseUrl: string,
): Promise<{ status: number; details: Record<string, Record<string, unknown>> } | undefined> {
  const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(5000) }).catch(
    () => undefined,
  );
  if (!response) return undefined;
  const body = (await response.json()) as { details: Record<string, Record<string, unknown>> };
  return { status: response.status, details: body.details };
}

/**
 * The pid of a stack service (scripts/lib/apps.mjs keeps them under .data/<profile>/pids), for
 * signals sent at an exact moment: `service('kill')` is a child process of its own, too slow to
 * land while a lock wait is still going on.
 */
export function stackPid(name: string): number {
  const pid = stackPidIfAny(name);
  if (pid === null) throw new Error(`${name} has no pid file: is it running?`);
  return pid;
}

/** The pid a stack service's pid file names, or null while it has none (stopped, restarting). */
export function stackPidIfAny(name: string): number | null {
  const file = join(ROOT, '.data', process.env['VOLTSTREAM_PROFILE'] ?? 'test', 'pids', `${name}.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL now (unless it is gone already), then wait until the process is gone. */
export async function sigkill(pid: number): Promise<void> {
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  await eventually(async () => (processAlive(pid) ? undefined : true), 30_000, `pid ${pid} to die`);
}

/** SIGKILLs `pid` at once (no await before the signal), then waits until it is gone. */
export function killNow(pid: number): () => void {
  return () => process.kill(pid, 'SIGKILL');
}

/** Starts a stack service again if it is not running: a failed test leaves the stack whole. */
export async function ensureRunning(name: string): Promise<void> {
  let running = false;
  try {
    running = processAlive(stackPid(name));
  } catch {
    running = false;
  }
  if (!running) await service('start', name);
}

const stackLog = (name: string) =>
  join(ROOT, '.data', process.env['VOLTSTREAM_PROFILE'] ?? 'test', 'logs', `${name}.log`);

/** Where a stack service's log ends now: pass it to `stackLogSince` later. */
export function stackLogOffset(name: string): number {
  return existsSync(stackLog(name)) ? statSync(stackLog(name)).size : 0;
}

/** The JSON lines a stack service logged since `offset`. */
export function stackLogSince(name: string, offset: number): LogLine[] {
  return readFileSync(stackLog(name))
    .subarray(offset)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** A ready extra instance with its GraphQL endpoint, for an extra gateway's `<SERVICE>_URL`. */
export async function startService(
  name: string,
  env: Record<string, string>,
): Promise<ServiceInstance & { graphqlUrl: string }> {
  const instance = await startInstance(name, env, { waitReady: true });
  return Object.assign(instance, { graphqlUrl: `${instance.baseUrl}/graphql` });
}
