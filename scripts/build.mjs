#!/usr/bin/env node
// Builds every app and lib into dist/: TypeScript (with decorator metadata, which Nest needs),
// path aliases rewritten to relative requires, the subgraphs' SDL (and the SDL libs share) and the
// gateway IDE's browser script copied beside their code, and the supergraph composed.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root, run } from './lib/run.mjs';

/** `clean` drops dist/ first, so no compiled test of a deleted source can linger. */
export async function build({ clean = false } = {}) {
  const started = Date.now();
  if (clean) rmSync(join(root, 'dist'), { recursive: true, force: true });
  await run('npx', ['tsc', '-p', 'tsconfig.json']);
  await run('npx', ['tsc-alias', '-p', 'tsconfig.json']);
  for (const file of [
    ...findFiles(join(root, 'apps'), '.graphql'),
    ...findFiles(join(root, 'libs'), '.graphql'),
    // Scripts a browser loads as they are: tsc does not compile (or copy) JavaScript.
    ...findFiles(join(root, 'apps'), '.browser.js'),
  ]) {
    cpSync(file, join(root, 'dist', relative(root, file)));
  }
  await run('node', ['scripts/compose-supergraph.mjs']);
  console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function findFiles(dir, suffix) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : findFiles(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  build({ clean: process.argv.includes('--clean') }).catch((error) => {
    console.error(`build failed: ${error.message}`);
    process.exit(1);
  });
}
