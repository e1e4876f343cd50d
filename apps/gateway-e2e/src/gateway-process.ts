import { eventually } from '@voltstream/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from './energy-api';

export interface ExtraGateway {
  url: string;
  stop(): Promise<void>;
}

/** The subgraphs the composed supergraph names (apps/gateway/subgraphs.json). */
function subgraphNames(): string[] {
  const file = join(__dirname, '../../../../apps/gateway/subgraphs.json');
  const list = JSON.parse(readFileSync(file, 'utf8')) as
    { name: string }[] | { subgraphs: { name: string }[] };
  return (Array.isArray(list) ? list : list.subgraphs).map(({ name }) => name);
}

/**
 * A free port on 127.0.0.1, the kernel's choice: a fixed one could belong to another stack on the
 * same machine (its ports are moved with *_PORT; these extra gateways have no variable).
 */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A second gateway with its own settings (production mode, a safelist, low rate limits), in
 * front of the test stack's subgraphs and Redis; the caller stops it.
 */
export async function startGateway(env: Record<string, string>): Promise<ExtraGateway> {
  const port = await sparePort();
  const subgraphs = Object.fromEntries(
    subgraphNames().map((name) => [
      `${name.toUpperCase().replace(/-/g, '_')}_URL`,
      `${settings.serviceBaseUrl(name)}/graphql`,
    ]),
  );
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, '../../gateway/src/main.js')], {
    env: {
      ...process.env,
      ...subgraphs,
      PORT: String(port),
      HOST: '127.0.0.1',
      IDENTITY_JWKS_URL: `${settings.serviceBaseUrl('identity')}/.well-known/jwks.json`,
      ...env,
    },
    stdio: 'ignore',
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.status === 200
          ? true
          : undefined,
      // Generous: on a loaded 2-core machine a cold Nest + Apollo gateway can take a while.
      60_000,
      `the extra gateway on port ${port}`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/graphql`, stop };
}
