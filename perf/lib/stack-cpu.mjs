// CPU time of one stack only: the processes this clone's profile started (the services' pid
// files, the Postgres postmasters and their children, Redis, the Kafka JVM), found by pid, never
// by name, so the stacks of other clones on the same machine are not counted. Linux only.
//
// A group's CPU time is its live processes' own time plus the time of children that exited and
// were reaped (cutime/cstime of the group's root), so Postgres' short-lived backends and
// autovacuum workers count even when they come and go between two snapshots.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { profileDir } from './targets.mjs';

const CLOCK_TICKS = 100; // USER_HZ on every mainstream Linux build (`getconf CLK_TCK`)

export const cpuAccountingAvailable = () => existsSync('/proc/self/stat');

const readPid = (file) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0].trim()) || null;
  } catch {
    return null;
  }
};

/** utime+stime, cutime+cstime (reaped children) and the parent of `pid` or thread `pid/task/tid`. */
export function readStat(path) {
  try {
    const text = readFileSync(`/proc/${path}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    return {
      comm,
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      children: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return null;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** The roots of the stack by group: { 'energy-command': pid, 'postgres primary': pid, ... }. */
export function stackRoots(dir = profileDir()) {
  if (!dir) return {};
  const roots = {};
  const pidsDir = join(dir, 'pids');
  if (existsSync(pidsDir)) {
    for (const file of readdirSync(pidsDir)
      .filter((name) => name.endsWith('.pid'))
      .sort()) {
      const pid = readPid(join(pidsDir, file));
      if (pid) roots[file.replace(/\.pid$/, '')] = pid;
    }
  }
  const infra = {
    'postgres primary': 'pg-primary/postmaster.pid',
    'postgres replica': 'pg-replica/postmaster.pid',
    redis: 'redis/redis.pid',
    kafka: 'kafka/kafka.pid',
  };
  for (const [group, file] of Object.entries(infra)) {
    const pid = readPid(join(dir, file));
    if (pid) roots[group] = pid;
  }
  return Object.fromEntries(Object.entries(roots).filter(([, pid]) => readStat(pid)));
}

/** A Postgres process by role: "walwriter", "backend energy_read", "walreceiver", ... */
function postgresRole(pid) {
  const title = cmdline(pid).replace(/^postgres:\s*/, '');
  // Backends: "voltstream energy_read 127.0.0.1(51234) idle"; others: "walwriter", "autovacuum launcher".
  const backend = title.match(/^\S+ (\S+) 127\.0\.0\.1\(\d+\)/);
  if (backend) return `backend ${backend[1]}`;
  return title.replace(/\s+\d+\/\d+.*$/, '').replace(/ [0-9A-F]+\/[0-9A-F]+$/, '') || 'postgres';
}

/** Java thread names, truncated by the kernel to 15 characters, without their numbers. */
const threadKind = (comm) => comm.replace(/[-#]?\d+$/g, '').replace(/-\d+-/g, '-') || comm;

/**
 * Ticks per group and, inside a group, per member: Postgres processes by role, the Kafka JVM by
 * thread kind, plus "exited children" (reaped children's time).
 */
function readTicks(roots) {
  const statsByPid = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat) statsByPid.set(Number(name), stat);
  }
  const groups = {};
  for (const [group, root] of Object.entries(roots)) {
    const rootStat = statsByPid.get(root);
    if (!rootStat) continue;
    const members = new Map();
    const add = (label, ticks) => members.set(label, (members.get(label) ?? 0) + ticks);
    let total = rootStat.own + rootStat.children;
    const isPostgres = group.startsWith('postgres');
    if (group === 'kafka') {
      // Threads only break the total down: an exited thread's time stays in the process's.
      for (const tid of safeList(`/proc/${root}/task`)) {
        const thread = readStat(`${root}/task/${tid}`);
        if (thread) add(threadKind(thread.comm), thread.own);
      }
    } else add(isPostgres ? 'postmaster' : 'main process', rootStat.own);
    if (rootStat.children) add('exited children', rootStat.children);
    for (const [pid, stat] of statsByPid) {
      if (stat.ppid !== root) continue;
      total += stat.own + stat.children;
      add(isPostgres ? postgresRole(pid) : stat.comm, stat.own + stat.children);
    }
    groups[group] = { total, members };
  }
  return groups;
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function machineTicks() {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const values = first.trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  return { busy: values.slice(0, 8).reduce((sum, v) => sum + v, 0) - idle - (values[7] ?? 0) };
}

export function snapshot(roots) {
  return { at: performance.now(), groups: readTicks(roots), machine: machineTicks() };
}

const percentOfCore = (ticks, seconds) => (ticks / CLOCK_TICKS / seconds) * 100;
const round1 = (value) => Math.round(value * 10) / 10;

/**
 * CPU between two snapshots as % of one core: `{ seconds, totalPct, groups: { name: { pct,
 * members: { label: pct } } }, machineBusyPct }`. A member that appeared meanwhile counts from 0.
 */
export function difference(before, after) {
  const seconds = (after.at - before.at) / 1000;
  const groups = {};
  let total = 0;
  for (const [group, { total: ticksAfter, members }] of Object.entries(after.groups)) {
    const earlier = before.groups[group];
    // The total is exact (a child that exited moved its time into the root's reaped-children
    // time); the breakdown by member is approximate when members come and go.
    const groupTicks = Math.max(0, ticksAfter - (earlier?.total ?? 0));
    const memberPct = {};
    for (const [label, ticks] of members) {
      const delta = ticks - (earlier?.members.get(label) ?? 0);
      if (delta > 0) memberPct[label] = round1(percentOfCore(delta, seconds));
    }
    total += groupTicks;
    groups[group] = {
      pct: round1(percentOfCore(groupTicks, seconds)),
      members: Object.fromEntries(Object.entries(memberPct).sort((a, b) => b[1] - a[1])),
    };
  }
  return {
    seconds: round1(seconds),
    totalPct: round1(percentOfCore(total, seconds)),
    groups,
    // Everything on the machine (every CPU), for context: other people's work included.
    machineBusyPct: round1(percentOfCore(after.machine.busy - before.machine.busy, seconds)),
  };
}
