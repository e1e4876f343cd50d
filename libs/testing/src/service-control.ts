import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVICE = join(__dirname, '../../../../scripts/service.mjs');

/** Kills a running service with SIGKILL, or starts it again and waits until it is ready. */
export async function service(command: 'kill' | 'start', name: string): Promise<void> {
  await run(process.execPath, [SERVICE, command, name], {
    env: { ...process.env, VOLTSTREAM_PROFILE: process.env['VOLTSTREAM_PROFILE'] ?? 'test' },
    timeout: 90_000,
  });
}
