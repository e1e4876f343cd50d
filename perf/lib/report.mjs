// Writes a suite's results: perf/reports/<suite>-<timestamp>.json (kept locally, ignored by
// git) and perf/reports/<suite>-latest.json + <suite>-latest.md (committed).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot, reportsDir } from './paths.mjs';
import { describeBudget, formatNumber } from './runner.mjs';

export function environment() {
  const cpuList = cpus();
  return {
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model?.trim() ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    date: new Date().toISOString(),
  };
}

export function writeReport(report) {
  mkdirSync(reportsDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files = [
    join(reportsDir, `${report.suite}-${stamp}.json`),
    join(reportsDir, `${report.suite}-latest.json`),
    join(reportsDir, `${report.suite}-latest.md`),
  ];
  writeFileSync(files[0], json);
  writeFileSync(files[1], json);
  writeFileSync(files[2], markdown(report));
  return files.map((file) => relative(repoRoot, file));
}

const ms = (value) =>
  value === null || value === undefined ? 'n/a' : formatNumber(value, value >= 100 ? 0 : 1);

export function markdown(report) {
  const env = report.environment;
  const lines = [
    `# Perf: ${report.suite} (${report.mode})`,
    '',
    `Environment: ${env.cpus} CPUs (${env.cpuModel}), ${env.memoryGb} GB, Node ${env.node}, ${env.platform}, ` +
      `load average at start ${env.loadAverage.join(' / ')}, ${env.date}. Everything (load generator, ` +
      'gateway, services, Postgres primary + replica, Redis, Kafka) shares this machine.',
    '',
    `Gateway: ${report.targets.gateway}. Run: \`${report.command}\`, ${report.startedAt} → ${report.finishedAt}.`,
    '',
    '| Scenario | req/s | p50 ms | p95 ms | p99 ms | errors | other | budget | verdict |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ];
  for (const r of report.results) {
    lines.push(
      `| ${r.scenario} | ${formatNumber(r.rps)} | ${ms(r.latencyMs.p50)} | ${ms(r.latencyMs.p95)} | ` +
        `${ms(r.latencyMs.p99)} | ${r.errors.total} | ${r.summary ?? ''} | ${describeBudget(r.budget)} | ` +
        `${r.verdict === 'miss' ? `**miss**: ${r.missed.join('; ')}` : r.verdict} |`,
    );
  }
  lines.push('');
  lines.push(
    'req/s and the latency columns are per request of the scenario (a GraphQL POST, a SQL round, or a',
  );
  lines.push(
    'batch of 1000 readings); "other" holds scenario-specific numbers such as readings/s and projection lag.',
  );
  if (report.comparisons?.length) {
    lines.push('', '## Gateway against the same work done directly', '');
    for (const c of report.comparisons) lines.push(`- ${c.text}`);
  }
  // Suite-specific sections (e.g. a concurrency curve): { title, lines[] } of Markdown.
  for (const section of report.sections ?? []) lines.push('', `## ${section.title}`, '', ...section.lines);
  lines.push('', '## Scenarios', '');
  for (const r of report.results) lines.push(`- **${r.scenario}**: ${r.description}`);
  const sampled = report.results.filter((r) => r.cpu);
  if (sampled.length) {
    lines.push('', '## Where the CPU went (% of one core, averaged over the measured run)', '');
    lines.push(
      '"other" is every process that is not part of this stack (e.g. a test run of another profile).',
      '',
    );
  }
  for (const r of sampled) {
    const groups = Object.entries(r.cpu.groups)
      .map(([group, pct]) => `${group} ${pct}%`)
      .join(', ');
    const other = r.cpu.otherTop?.length
      ? ` (other: ${r.cpu.otherTop.map((o) => `${o.comm} ${o.pct}%`).join(', ')})`
      : '';
    const steal = r.cpu.stealPct ? `, ${r.cpu.stealPct}% stolen by the hypervisor` : '';
    const unattributed =
      r.cpu.unattributedPct >= 10
        ? `; unattributed ${r.cpu.unattributedPct}% (processes that exited during the run, interrupts)`
        : '';
    lines.push(
      `- ${r.scenario}: machine ${r.cpu.machineBusyPct}% busy (all ${env.cpus} CPUs${steal}); ${groups}${other}${unattributed}`,
    );
  }
  const failing = report.results.filter((r) => r.errors.total > 0);
  if (failing.length) {
    lines.push('', '## Errors', '');
    for (const r of failing) {
      const e = r.errors;
      lines.push(
        `- ${r.scenario}: ${e.total} (non-2xx ${e.non2xx}, GraphQL ${e.graphql}, transport ${e.transport}, timeouts ${e.timeouts})`,
      );
      for (const sample of e.samples) lines.push(`  - \`${sample.replace(/`/g, "'")}\``);
    }
  }
  const logs = Object.entries(report.serviceLogs ?? {});
  lines.push('', '## Service logs during the run', '');
  if (logs.length === 0)
    lines.push('No warnings or errors in .data/<profile>/logs/*.log while the suite ran.');
  for (const [file, { problems, samples }] of logs) {
    lines.push(`- ${file}: ${problems} warning/error lines, e.g.`);
    for (const sample of samples.slice(0, 3)) lines.push(`  - \`${sample.replace(/`/g, "'")}\``);
  }
  if (report.setup) {
    lines.push('', '## Setup', '', '```json', JSON.stringify(report.setup, null, 2), '```');
  }
  if (report.notes?.length) {
    lines.push('', '## Notes', '');
    for (const note of report.notes) lines.push(`- ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
