import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INFRA = join(__dirname, '../../../../infra/local/infra.mjs');

export type InfraComponent = 'postgres' | 'replica' | 'redis' | 'kafka';

/** Stops or starts one piece of the test profile's real infrastructure, for fault tests. */
export async function infra(command: 'up' | 'down', component: InfraComponent): Promise<void> {
  await run(process.execPath, [INFRA, command, component], {
    env: { ...process.env, VOLTSTREAM_PROFILE: process.env['VOLTSTREAM_PROFILE'] ?? 'test' },
    timeout: 120_000,
  });
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
