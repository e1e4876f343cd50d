// `npm ci` only when node_modules was not installed from this exact package-lock.json, so
// `npm start` and `npm test` work on a fresh clone and stay fast afterwards.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from './run.mjs';

const MARKER = join(root, 'node_modules', '.voltstream-lock-hash');

export async function ensureInstalled() {
  const lockHash = createHash('sha256')
    .update(readFileSync(join(root, 'package-lock.json')))
    .digest('hex');
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8') === lockHash) return;
  console.error('install: npm ci (dependencies missing or changed)');
  await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(MARKER, lockHash);
}
