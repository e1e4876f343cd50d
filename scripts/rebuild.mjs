#!/usr/bin/env node
// Blue/green rebuild of a read model (docs/read-model-rebuild.md), run with the environment of
// the service that hosts it, against the running profile's stack (VOLTSTREAM_PROFILE, default dev):
//   npm run rebuild -- <read model>              build a new version from the first event, cut over once caught up
//   npm run rebuild -- <read model> --status     list its versions
//   npm run rebuild -- <read model> --drop-old   drop its retired versions
// Exit codes: 0 done, 1 refused or failed, 2 usage.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { serviceEnv } from './lib/apps.mjs';
import { root } from './lib/run.mjs';

/** Read model → the service whose projection makes it (and whose build holds its rebuild command). */
const HOSTS = { energy: 'energy-query' };

const args = process.argv.slice(2);
const readModel = args.find((arg) => !arg.startsWith('--'));
const host = HOSTS[readModel] ?? HOSTS.energy;
const main = join(root, 'dist/apps', host, 'src/rebuild/main.js');
if (!existsSync(main)) {
  console.error('rebuild: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const infra = await import('../infra/local/infra.mjs');
const env = serviceEnv(process.env.VOLTSTREAM_PROFILE || 'dev', infra.env());
// The command itself checks the arguments (and names what is wrong), with the read models it knows.
const child = spawn(process.execPath, ['--enable-source-maps', main, ...args], {
  cwd: root,
  env,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
