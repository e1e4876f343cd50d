// Suite idle: what the stack costs while nobody uses it. After a settle period (the harness's
// own gateway check and any work a previous suite left behind die down), the CPU time of every
// process of this stack — the nine services, the Postgres primary and replica with all their
// backends and background processes, Redis and the Kafka JVM — is read from /proc over a quiet
// window, in slices, and reported as a share of one core: in total, per process group and
// inside a group (Postgres processes by role, Kafka's JVM by thread). Only this clone's
// processes count (found by their pid files, lib/stack-cpu.mjs): other stacks on the machine
// do not, and a quiet process's CPU barely depends on what else runs.
import { setTimeout as sleep } from 'node:timers/promises';
import { progress } from '../lib/runner.mjs';
import { cpuAccountingAvailable, difference, snapshot, stackRoots } from '../lib/stack-cpu.mjs';

const plan = (quick) => ({ settleSec: quick ? 10 : 20, slices: quick ? 6 : 12, sliceSec: 5 });

/** Process groups as the report sums them. */
const NODE_SERVICES = 'node services';
const familyOf = (group) =>
  group.startsWith('postgres') || group === 'redis' || group === 'kafka' ? group : NODE_SERVICES;

const noRequests = () => ({
  rps: null,
  latencyMs: { p50: null, p95: null, p99: null },
  errors: { total: 0, non2xx: 0, graphql: 0, transport: 0, timeouts: 0, samples: [] },
});

const formatPct = (value) => `${value.toFixed(1)}%`;

function describeMembers(members, limit = 6) {
  const top = Object.entries(members).filter(([, pct]) => pct >= 0.1);
  if (top.length === 0) return 'nothing measurable';
  const shown = top.slice(0, limit).map(([label, pct]) => `${label} ${formatPct(pct)}`);
  return top.length > limit ? `${shown.join(', ')}, …` : shown.join(', ');
}

export default {
  async run({ options }) {
    if (!cpuAccountingAvailable()) throw new Error('the idle suite reads /proc: Linux only');
    const roots = stackRoots();
    const expected = ['postgres primary', 'postgres replica', 'redis', 'kafka', 'gateway'];
    const missing = expected.filter((group) => !roots[group]);
    if (missing.length) {
      throw new Error(
        `no running ${missing.join(', ')} found under .data/${process.env.VOLTSTREAM_PROFILE || 'dev'}/ ` +
          '(set VOLTSTREAM_PROFILE to the profile whose stack runs)',
      );
    }
    const p = plan(options.quick);
    progress(`idle: ${Object.keys(roots).length} process groups; settling ${p.settleSec} s`);
    await sleep(p.settleSec * 1000);

    const slices = [];
    const first = snapshot(roots);
    let previous = first;
    for (let i = 0; i < p.slices; i += 1) {
      await sleep(p.sliceSec * 1000);
      const next = snapshot(roots);
      slices.push(difference(previous, next).totalPct);
      previous = next;
    }
    const window = difference(first, previous);
    progress(`idle: stack ${formatPct(window.totalPct)} of one core over ${window.seconds} s`);

    const families = {};
    for (const [group, { pct }] of Object.entries(window.groups)) {
      const family = familyOf(group);
      families[family] = (families[family] ?? 0) + pct;
    }
    const sortedGroups = Object.entries(window.groups).sort((a, b) => b[1].pct - a[1].pct);
    const sortedFamilies = Object.entries(families).sort((a, b) => b[1] - a[1]);
    const sliceRange = `${formatPct(Math.min(...slices))}–${formatPct(Math.max(...slices))}`;

    const results = [
      {
        scenario: 'idle.stack',
        description:
          `No traffic: CPU time (utime + stime from /proc, reaped children included) of every process of ` +
          `this stack over ${window.seconds} s after ${p.settleSec} s of settling, as % of one core.`,
        ...noRequests(),
        metrics: { cpuPct: window.totalPct, slicesPct: slices, families, seconds: window.seconds },
        summary:
          `**${formatPct(window.totalPct)} of one core** (${p.sliceSec} s slices ${sliceRange}): ` +
          sortedFamilies.map(([family, pct]) => `${family} ${formatPct(pct)}`).join(', '),
      },
      ...sortedFamilies.map(([family, pct]) => ({
        scenario: `idle.${family.replace(/\s+/g, '-')}`,
        description: `The ${family} share of idle.stack.`,
        ...noRequests(),
        metrics: { cpuPct: Math.round(pct * 10) / 10 },
        summary:
          family === NODE_SERVICES
            ? `${formatPct(pct)}: ${sortedGroups
                .filter(([group]) => familyOf(group) === NODE_SERVICES)
                .map(([group, { pct: groupPct }]) => `${group} ${formatPct(groupPct)}`)
                .join(', ')}`
            : `${formatPct(pct)}: ${describeMembers(
                Object.entries(window.groups)
                  .filter(([group]) => familyOf(group) === family)
                  .reduce((all, [, { members }]) => ({ ...all, ...members }), {}),
              )}`,
      })),
    ];

    const sections = [
      {
        title: 'Per process (% of one core over the window)',
        lines: [
          '| process group | pid | % of one core | inside (by role / thread) |',
          '| --- | ---: | ---: | --- |',
          ...sortedGroups.map(
            ([group, { pct, members }]) =>
              `| ${group} | ${roots[group]} | ${formatPct(pct)} | ${describeMembers(members, 8)} |`,
          ),
          '',
          `Stack total per ${p.sliceSec} s slice: ${slices.map(formatPct).join(', ')}. ` +
            `The whole machine (all CPUs, other people's work included) was ${formatPct(window.machineBusyPct)} of one core busy.`,
        ],
      },
    ];
    return { results, sections, setup: { settleSec: p.settleSec, roots } };
  },
};
