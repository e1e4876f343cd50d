// Where the CPU went during a scenario: CPU time per process group (each service, the Postgres
// primary and replica, Redis, Kafka, this harness) from /proc, as a percentage of one core.
// Linux only; elsewhere it reports nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readStat as procStat } from './stack-cpu.mjs';
import { repoRoot } from './paths.mjs';
import { profileDir } from './targets.mjs';

const CLOCK_TICKS = 100; // USER_HZ on every mainstream Linux build (`getconf CLK_TCK`)

const readPid = (file) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0].trim()) || null;
  } catch {
    return null;
  }
};

function stackPids() {
  const dir = profileDir();
  if (!dir) return {};
  return {
    postmasterPrimary: readPid(join(dir, 'pg-primary/postmaster.pid')),
    postmasterReplica: readPid(join(dir, 'pg-replica/postmaster.pid')),
    redis: readPid(join(dir, 'redis/redis.pid')),
    kafka: readPid(join(dir, 'kafka/kafka.pid')),
  };
}

/** `{ comm, ppid, ticks }` of a process: its own CPU time (utime + stime) in clock ticks. */
function readStat(pid) {
  const stat = procStat(pid);
  return stat && { comm: stat.comm, ppid: stat.ppid, ticks: stat.own };
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function totalCpu() {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const values = lines[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const cpus = lines.filter((line) => /^cpu\d+ /.test(line)).length;
  // guest time is already counted in user time
  const total = values.slice(0, 8).reduce((sum, v) => sum + v, 0);
  return { total, idle, steal: values[7] ?? 0, cpus };
}

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const THIS_CLONES_SERVICE = new RegExp(`${escaped(repoRoot)}/dist/apps/([\\w-]+)/src/main\\.js`);

/** Processes the harness started itself (e.g. a spawned gateway), by pid: their own CPU group. */
const namedProcesses = new Map();
export function nameProcess(pid, group) {
  namedProcesses.set(pid, group);
  return () => namedProcesses.delete(pid);
}

export class CpuSampler {
  constructor() {
    this.enabled = existsSync('/proc/self/stat');
    this.groups = new Map(); // pid -> group name
    this.pids = stackPids();
  }

  groupOf(pid, stat) {
    if (namedProcesses.has(pid)) return namedProcesses.get(pid);
    if (this.groups.has(pid)) return this.groups.get(pid);
    let group = 'other';
    // Only this clone's services: other clones' stacks on the machine are "other".
    const app = cmdline(pid).match(THIS_CLONES_SERVICE);
    const { postmasterPrimary, postmasterReplica, redis, kafka } = this.pids;
    if (pid === process.pid) group = 'perf harness';
    else if (app) group = app[1];
    else if (pid === postmasterPrimary || stat.ppid === postmasterPrimary) group = 'postgres primary';
    else if (pid === postmasterReplica || stat.ppid === postmasterReplica) group = 'postgres replica';
    else if (pid === redis) group = 'redis';
    else if (pid === kafka) group = 'kafka';
    this.groups.set(pid, group);
    return group;
  }

  snapshot() {
    const ticks = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      const stat = readStat(pid);
      if (!stat) continue;
      ticks.set(pid, { ticks: stat.ticks, group: this.groupOf(pid, stat), comm: stat.comm });
    }
    return { at: performance.now(), ticks, machine: totalCpu() };
  }

  start() {
    if (this.enabled) this.first = this.snapshot();
  }

  /** `{ groups: { gateway: 97, ... } (% of one core), machineBusyPct }`, biggest first. */
  stop() {
    if (!this.enabled || !this.first) return null;
    const last = this.snapshot();
    const seconds = (last.at - this.first.at) / 1000;
    const sums = new Map();
    const others = new Map(); // comm -> ticks, to name what "other" was
    for (const [pid, { ticks, group, comm }] of last.ticks) {
      const before = this.first.ticks.get(pid)?.ticks ?? 0; // a process born meanwhile counts from 0
      sums.set(group, (sums.get(group) ?? 0) + (ticks - before));
      if (group === 'other') others.set(comm, (others.get(comm) ?? 0) + (ticks - before));
    }
    const pct = (ticks) => Math.round((ticks / CLOCK_TICKS / seconds) * 100);
    const groups = Object.fromEntries(
      [...sums.entries()]
        .map(([group, ticks]) => [group, pct(ticks)])
        .filter(([, value]) => value >= 1)
        .sort((a, b) => b[1] - a[1]),
    );
    const otherTop = [...others.entries()]
      .map(([comm, ticks]) => ({ comm, pct: pct(ticks) }))
      .filter((o) => o.pct >= 2)
      .sort((a, b) => b.pct - a.pct)
      .slice(0, 4);
    const total = last.machine.total - this.first.machine.total;
    const idle = last.machine.idle - this.first.machine.idle;
    const steal = last.machine.steal - this.first.machine.steal;
    // Busy time no live process accounts for: processes that started and exited within the run
    // (e.g. a compiler run by someone else) and interrupt handling.
    const cpuCount = last.machine.cpus || 1;
    const busyPctOfOneCore = total > 0 ? ((total - idle - steal) / total) * 100 * cpuCount : 0;
    const attributed =
      ([...sums.values()].reduce((sum, ticks) => sum + ticks, 0) / CLOCK_TICKS / seconds) * 100;
    return {
      groups,
      otherTop,
      unattributedPct: Math.max(0, Math.round(busyPctOfOneCore - attributed)),
      machineBusyPct: total > 0 ? Math.round(((total - idle) / total) * 100) : null,
      // CPU the hypervisor gave to other guests: when high, every number here is unreliable.
      stealPct: total > 0 ? Math.round((steal / total) * 100) : null,
    };
  }
}
