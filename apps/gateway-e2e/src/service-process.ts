import { eventually } from '@voltstream/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { settings } from './energy-api';
import { sparePort } from './gateway-process';

export interface ExtraService {
  baseUrl: string;
  /** Its GraphQL endpoint, for an extra gateway's `<SERVICE>_URL`. */
  graphqlUrl: string;
  stop(): Promise<void>;
}

/**
 * One more instance of a subgraph service with settings of its own (e.g. Redis behind a fault
 * proxy, a tiny database pool), on a spare port, beside the test stack's; the caller stops it.
 */
export async function startService(name: string, env: Record<string, string>): Promise<ExtraService> {
  const port = await sparePort();
  const logs = join(__dirname, '../../../../.data', process.env['VOLTSTREAM_PROFILE'] ?? 'test', 'logs');
  mkdirSync(logs, { recursive: true });
  const log = openSync(join(logs, `extra-${name}-${port}.log`), 'a');
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, `../../${name}/src/main.js`)], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      IDENTITY_JWKS_URL: `${settings.serviceBaseUrl('identity')}/.well-known/jwks.json`,
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await eventually(
      async () =>
        (await fetch(`${baseUrl}/health/ready`).catch(() => undefined))?.status === 200 ? true : undefined,
      60_000,
      `the extra ${name} on port ${port}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, graphqlUrl: `${baseUrl}/graphql`, stop };
}
