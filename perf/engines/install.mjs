// The engines this suite compares are not the project's dependencies: they are installed into
// perf/engines/node_modules from perf/engines/package-lock.json when the suite first runs (and
// again when the lockfile changes), so the project's own `npm ci` and `npm test` do not grow.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from '../lib/runner.mjs';

export const enginesRoot = dirname(fileURLToPath(import.meta.url));
const MARKER = join(enginesRoot, 'node_modules', '.voltstream-lock-hash');

export function ensureEnginesInstalled() {
  const lockHash = createHash('sha256')
    .update(readFileSync(join(enginesRoot, 'package-lock.json')))
    .digest('hex');
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8') === lockHash) return;
  progress('gateway-engines: npm ci --prefix perf/engines (Hive Gateway and its Rust query planner)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['ci', '--prefix', enginesRoot, '--no-audit', '--no-fund', '--loglevel=error'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0)
    throw new Error(`npm ci --prefix perf/engines failed (${result.status ?? result.error})`);
  writeFileSync(MARKER, lockHash);
}
