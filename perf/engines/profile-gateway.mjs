#!/usr/bin/env node
// Where our gateway spends its CPU on the warm consumption query: starts dist/apps/gateway with
// `--cpu-prof`, seeds a meter with 35 days of readings, sends the warm query with distinct `from`
// values (as the gateway-engines suite does) for --seconds, stops the gateway (which writes the
// profile) and prints perf/profile-summary.mjs's summary. The stack must be running (`npm start`).
//   node perf/engines/profile-gateway.mjs [--seconds 15] [--connections 32] [--checkout <dir>]
// --checkout profiles another checkout's built gateway (e.g. the code before a change).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { consumptionBody, seed } from '../energy-query/consumption.mjs';
import { startGateway } from '../lib/gateway-process.mjs';
import { gql, signUp } from '../lib/graphql.mjs';
import { perfRoot } from '../lib/paths.mjs';
import { progress, runHttp } from '../lib/runner.mjs';
import { stackTargets } from '../lib/targets.mjs';

const DISTINCT_FROMS = 1000;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '32' },
    checkout: { type: 'string' },
  },
});
const cleanups = [];
const onCleanup = (fn) => {
  cleanups.push(fn);
  return () => {
    const index = cleanups.indexOf(fn);
    if (index >= 0) cleanups.splice(index, 1);
  };
};

async function main() {
  const targets = await stackTargets();
  const dir = mkdtempSync(join(tmpdir(), 'perf-gateway-profile-'));
  const gateway = await startGateway({
    label: 'profiled',
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    onCleanup,
    ...(values.checkout ? { main: join(values.checkout, 'dist/apps/gateway/src/main.js') } : {}),
  });
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const token = await signUp(targets.identity, `${runId}-profile`);
  progress('profile: seeding a meter with 35 days of readings');
  const seeded = await seed(gateway.url, token, `perf-${runId}-profile`);
  const body = (shift) => consumptionBody(seeded, shift);
  // Every distinct request once, straight to energy-query, so the load below is all Redis hits.
  for (let shift = 0; shift < DISTINCT_FROMS; shift += 1) {
    await gql(targets.energyQuery, { body: body(shift), token });
  }
  let next = 0;
  const result = await runHttp({
    name: 'profile.consumption-distinct',
    url: gateway.url,
    connections: Number(values.connections),
    warmupSec: 3,
    durationSec: Number(values.seconds),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    nextBody: () => body(next++ % DISTINCT_FROMS),
  });
  const cpuPct = result.cpu?.groups?.['gateway (perf profiled)'];
  progress(
    `profile: ${result.rps} req/s, p99 ${result.latencyMs.p99} ms, errors ${result.errors.total}, gateway ` +
      `${cpuPct ?? '?'}% of a core (${cpuPct ? Math.round((cpuPct * 1000) / result.rps) / 100 : '?'} ms/request)`,
  );
  await gateway.stop();
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: the gateway did not exit cleanly`);
  progress(`profile: ${join(dir, file)}`);
  spawnSync(
    process.execPath,
    [
      join(perfRoot, 'profile-summary.mjs'),
      join(dir, file),
      '--top',
      '25',
      // the load run only: not the start-up, the seed and the cache warm-up before it
      '--last',
      String(Number(values.seconds) + 4),
    ],
    {
      stdio: 'inherit',
    },
  );
}

main()
  .catch((error) => {
    process.stderr.write(`profile: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });
