import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INFRA = join(__dirname, '../../../../infra/local/infra.mjs');

export type InfraComponent = 'postgres' | 'replica' | 'redis' | 'kafka';

/**
 * The infra CLI leaves alone any component whose connection variable is set, and the tests'
 * environment has them all: drop them, so that it manages the test profile's own.
 */
function infraEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VOLTSTREAM_PROFILE: process.env['VOLTSTREAM_PROFILE'] ?? 'test',
  };
  for (const name of ['DATABASE_URL', 'READ_REPLICA_URLS', 'REDIS_URL', 'KAFKA_BROKERS']) delete env[name];
  return env;
}

async function statusOf(component: InfraComponent): Promise<{ running?: boolean; pid?: number | null }> {
  const { stdout } = await run(process.execPath, [INFRA, 'status'], { env: infraEnv(), timeout: 30_000 });
  return (JSON.parse(stdout) as Record<string, { running?: boolean; pid?: number | null }>)[component] ?? {};
}

async function isRunning(component: InfraComponent): Promise<boolean> {
  return (await statusOf(component)).running === true;
}

/**
 * Kills a running component with SIGKILL (a crash: no controlled shutdown, no flush) and waits
 * until it is gone; `infra('up', component)` starts it again on the same data.
 */
export async function crash(component: InfraComponent): Promise<void> {
  const { pid } = await statusOf(component);
  if (!pid) throw new Error(`${component} is not running: nothing to crash`);
  process.kill(pid, 'SIGKILL');
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Stops or starts one piece of the test profile's real infrastructure, and checks it did.
 * `crash` stops the Postgres primary with `pg_ctl -m immediate`, as a crash would.
 */
export async function infra(command: 'up' | 'down' | 'crash', component: InfraComponent): Promise<void> {
  await run(process.execPath, [INFRA, command, component], { env: infraEnv(), timeout: 120_000 });
  if ((await isRunning(component)) !== (command === 'up')) {
    throw new Error(`infra ${command} ${component} did not take effect`);
  }
}

/** Runs `work` with a component stopped, and always starts it again. */
export async function withStopped<T>(component: InfraComponent, work: () => Promise<T>): Promise<T> {
  await infra('down', component);
  try {
    return await work();
  } finally {
    await infra('up', component);
  }
}
