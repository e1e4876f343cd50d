#!/usr/bin/env node
// Crash and restart one service of a running profile, as a fault test or an operator would:
//   node scripts/service.mjs kill <app>    SIGKILL: no drain, no shutdown hooks
//   node scripts/service.mjs start <app>   start it again and wait for /health/ready
import { APPS, killApp, startApps, waitUntilReady } from './lib/apps.mjs';

const [command, name] = process.argv.slice(2);
const app = APPS.find((candidate) => candidate.name === name);
const profile = process.env.VOLTSTREAM_PROFILE || 'dev';

async function main() {
  if (!app || !['kill', 'start'].includes(command)) {
    throw new Error(`usage: node scripts/service.mjs kill|start <${APPS.map((a) => a.name).join('|')}>`);
  }
  if (command === 'kill') {
    await killApp(profile, app);
    return;
  }
  const infra = await import('../infra/local/infra.mjs');
  startApps(profile, infra.env(), [app]);
  await waitUntilReady(profile, [app], 60_000);
}

main().catch((error) => {
  console.error(`service: ${error.message}`);
  process.exit(1);
});
