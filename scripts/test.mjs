#!/usr/bin/env node
// `npm test`: installs, builds, lints, runs unit tests, starts the real infrastructure and the
// services (profile `test`: its own ports and .data/test), runs integration and end-to-end
// tests, stops everything it started, and ends with `N passed, N failed, N skipped`.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { build } from './build.mjs';
import { APPS, baseUrl, gatewayUrl, startApps, stopApps, waitUntilReady } from './lib/apps.mjs';
import { ensureChromium } from './lib/chromium.mjs';
import { ensureInstalled } from './lib/install.mjs';
import { ensurePrometheus } from './lib/prometheus.mjs';
import { root, run } from './lib/run.mjs';

const PROFILE = 'test';
/**
 * `npm test -- --only <text>` runs just the test files whose path contains <text> (still on the
 * real stack), and skips lint: for iterating on one area. CI runs everything.
 */
const onlyIndex = process.argv.indexOf('--only');
const ONLY = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;
if (onlyIndex > 0 && !ONLY) {
  console.error('usage: npm test -- --only <part of a test file path>');
  process.exit(2);
}
const IDE_TEST = 'dist/apps/gateway-e2e/src/graphql-ide.e2e-spec.js';
process.env.VOLTSTREAM_PROFILE = PROFILE;
const totals = { passed: 0, failed: 0, skipped: 0, failures: [] };

async function main() {
  const started = Date.now();
  await ensureInstalled();
  // The GraphQL IDE's e2e test drives a real browser: installed once (apt-get), before anything starts.
  if (!ONLY || IDE_TEST.includes(ONLY)) await ensureChromium();
  // The alert rules' unit tests (scripts/tests/observability.test.mjs) run promtool: the same way.
  await ensurePrometheus();
  await build({ clean: !ONLY });
  // The boundary rule is skipped silently without a project graph: compute it first.
  await run('npx', ['nx', 'show', 'projects'], {
    stdio: 'ignore',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  if (ONLY) console.log(`--only ${ONLY}: lint skipped, test files filtered`);
  else
    await check('lint: eslint (module boundaries, type-aware rules)', () =>
      run('npx', ['eslint', '.', '--max-warnings=0']),
    );
  await runPhase('unit', findTests('.spec.js'), {});

  const infra = await import('../infra/local/infra.mjs');
  let appsStarted = false;
  try {
    await infra.up();
    const infraEnv = infra.env();
    startApps(PROFILE, infraEnv);
    appsStarted = true;
    await waitUntilReady(PROFILE);
    const env = {
      ...infraEnv,
      GATEWAY_URL: gatewayUrl(PROFILE),
      ...Object.fromEntries(
        APPS.map((app) => [`${app.name.toUpperCase().replace(/-/g, '_')}_BASE_URL`, baseUrl(app, PROFILE)]),
      ),
    };
    await runPhase('integration', findTests('.int-spec.js'), env);
    await runPhase('e2e', findTests('.e2e-spec.js'), env);
  } catch (error) {
    totals.failed += 1;
    totals.failures.push(`test harness: ${error.message}`);
    console.error(`test harness failed: ${error.stack ?? error}`);
  } finally {
    if (appsStarted) await stopApps(PROFILE);
    await infra.down().catch((error) => console.error(`infra down failed: ${error.message}`));
  }
  console.log(`\ntests took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const failure of totals.failures) console.log(`FAILED: ${failure}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
}

/** A check that is not a node:test file still counts as one test. */
async function check(name, work) {
  try {
    await work();
    totals.passed += 1;
    console.log(`✔ ${name}`);
  } catch (error) {
    totals.failed += 1;
    totals.failures.push(name);
    console.log(`✖ ${name}: ${error.message}`);
  }
}

async function runPhase(phase, files, env) {
  if (files.length === 0) return;
  console.log(`\n== ${phase}: ${files.length} files`);
  const countsFile = join(root, 'dist', `.test-counts-${phase}.json`);
  rmSync(countsFile, { force: true });
  const args = [
    '--enable-source-maps',
    '--test',
    // Integration and end-to-end tests share one running stack and stop parts of it: one at a time.
    `--test-concurrency=${phase === 'unit' ? 2 : 1}`,
    `--test-timeout=${phase === 'unit' ? 90_000 : 300_000}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/lib/counting-reporter.mjs')}`,
    `--test-reporter-destination=${countsFile}`,
    ...files,
  ];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('exit', (exitCode) => resolve(exitCode));
  });
  let counts;
  try {
    counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  } catch {
    counts = {
      passed: 0,
      failed: 1,
      skipped: 0,
      failures: [`${phase}: the test runner crashed (exit ${code})`],
    };
  }
  if (code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    counts.failures.push(`${phase}: the test runner exited with ${code}`);
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  totals.failures.push(...counts.failures);
}

const isTest = (name, suffix) =>
  suffix === '.spec.js'
    ? (name.endsWith('.spec.js') && !/\.(int|e2e)-spec\.js$/.test(name)) || name.endsWith('.test.mjs')
    : name.endsWith(suffix);

function findTests(suffix) {
  const found = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (isTest(name, suffix)) found.push(path);
    }
  };
  for (const top of ['apps', 'libs']) walk(join(root, 'dist', top));
  // The build and lint tooling's own tests run with the unit tests.
  if (suffix === '.spec.js') walk(join(root, 'scripts/tests'));
  return found
    .map((path) => relative(root, path))
    .filter((path) => !ONLY || path.includes(ONLY))
    .sort();
}

main().catch((error) => {
  console.error(error.stack ?? error);
  console.log(`${totals.passed} passed, ${totals.failed + 1} failed, ${totals.skipped} skipped`);
  process.exit(1);
});
