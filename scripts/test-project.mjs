#!/usr/bin/env node
// `nx run <project>:test`: the unit tests (*.spec.js) of one project, compiled under dist/.
// Integration and end-to-end tests need the running stack: `npm test` runs them all.
//   node scripts/test-project.mjs apps/energy-query
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib/run.mjs';

const projectRoot = process.argv[2];
if (!projectRoot) {
  console.error('usage: node scripts/test-project.mjs <project root, e.g. apps/energy-query>');
  process.exit(2);
}

function unitTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return unitTests(path);
    return name.endsWith('.spec.js') && !/\.(int|e2e)-spec\.js$/.test(name) ? [path] : [];
  });
}

const files = unitTests(join(root, 'dist', projectRoot)).sort();
if (files.length === 0) {
  console.log(`${projectRoot}: no unit tests`);
} else {
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--test', '--test-reporter=spec', ...files],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  child.on('exit', (code) => process.exit(code ?? 1));
}
