#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where self time goes, by package and by
// function, so a perf report can say where the time goes instead of guessing.
//   node perf/profile-summary.mjs <file.cpuprofile> [--top N] [--last S]
// --last S keeps only the samples of the profile's last S seconds (e.g. a load run that ended
// just before the process stopped), so start-up (module loading) and idle set-up time drop out.
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node perf/profile-summary.mjs <file.cpuprofile> [--top N] [--last S]');
  process.exit(2);
}
const option = (name) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : undefined);
const top = option('--top') || 20;
const lastMicros = (option('--last') ?? Infinity) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: samples × the sampling interval of each sample.
const selfMicros = new Map();
const from = profile.endTime - lastMicros;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i += 1) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from) continue;
  const delta = profile.timeDeltas[i + 1] ?? 0;
  selfMicros.set(profile.samples[i], (selfMicros.get(profile.samples[i]) ?? 0) + delta);
}
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

const packageOf = (url) => {
  if (!url) return '(native / V8)';
  const match = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
  if (match) return match[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/')) return 'voltstream';
  return url;
};

const byPackage = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const pkg =
    functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)'
      ? functionName
      : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const key = `${functionName || '(anonymous)'}  ${packageOf(url)}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * micros) / total).toFixed(1).padStart(6)} %  ${name}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
print('Self time by package', byPackage);
print('Self time by function', byFunction);
