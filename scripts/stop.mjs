#!/usr/bin/env node
// `npm run stop`: stops the services and the infrastructure of every profile this clone
// started (dev, and test if a run was interrupted), and its Prometheus if `--with-prometheus`
// started one. Data under .data/ is kept.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stopApps } from './lib/apps.mjs';
import { stopPrometheus } from './lib/prometheus.mjs';
import { root } from './lib/run.mjs';

async function main() {
  const dataDir = join(root, '.data');
  const profiles = existsSync(dataDir)
    ? readdirSync(dataDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name !== 'kafka-libs')
        .map((entry) => entry.name)
    : [];
  // infra.mjs reads VOLTSTREAM_PROFILE on every call, so one import serves each profile.
  const infra = await import('../infra/local/infra.mjs');
  for (const profile of profiles) {
    process.env.VOLTSTREAM_PROFILE = profile;
    if (await stopPrometheus(profile)) console.error(`prometheus (${profile}): stopped`);
    const stopped = await stopApps(profile);
    if (stopped.length) console.error(`apps (${profile}): stopped ${stopped.join(', ')}`);
    await infra.down();
  }
  console.error('stopped');
}

main().catch((error) => {
  console.error(`stop failed: ${error.message}`);
  process.exit(1);
});
