// Debian's Prometheus (and its promtool): installed once with apt-get like the infrastructure's
// packages, then run per profile under .data/<profile>/prometheus, scraping every service's
// /metrics and evaluating infra/prometheus/alerts.yml. `npm start -- --with-prometheus` starts it,
// `npm run stop` stops it, and the rule tests run promtool.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePortsFree, startupFailure } from '../../infra/local/network.mjs';
import { logOffset } from '../../infra/local/logfiles.mjs';
import {
  aptInstall,
  elapsed,
  InfraError,
  isOurProcess,
  readPidFile,
  terminate,
  waitUntil,
  which,
} from '../../infra/local/processes.mjs';
import { APPS, portOf } from './apps.mjs';
import { root } from './run.mjs';

export const RULES_FILE = join(root, 'infra/prometheus/alerts.yml');
export const RULE_TESTS_FILE = join(root, 'infra/prometheus/alerts.test.yml');

/**
 * Not 9090: on a machine with systemd, installing Debian's package starts the system's own
 * Prometheus there. One port per profile, like the infrastructure's, so dev and test coexist.
 */
const DEFAULT_PORT = { dev: 19090, test: 19190 };

/** Installs the `prometheus` package (server and promtool) unless both are on PATH already. */
export async function ensurePrometheus() {
  if (which('prometheus') && which('promtool')) return;
  const started = Date.now();
  // Without its recommended node-exporter: a second daemon nobody here reads.
  await aptInstall('prometheus', 'prometheus/promtool not found', { recommends: false });
  if (!which('promtool')) throw new InfraError('prometheus installed, but promtool is still not on PATH');
  console.error(`install: prometheus installed in ${elapsed(started)}`);
}

export function prometheusPort(profile) {
  const raw = process.env.PROMETHEUS_PORT;
  const port = raw ? Number(raw) : DEFAULT_PORT[profile];
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InfraError(
      raw
        ? `PROMETHEUS_PORT=${raw} is not a TCP port`
        : `profile "${profile}" has no default Prometheus port; set PROMETHEUS_PORT`,
    );
  }
  return port;
}

function paths(profile) {
  const dir = join(root, '.data', profile, 'prometheus');
  return {
    dir,
    config: join(dir, 'prometheus.yml'),
    pidFile: join(dir, 'prometheus.pid'),
    logFile: join(root, '.data', profile, 'logs', 'prometheus.log'),
  };
}

/** One job per service, so `job` names the service even while its /metrics does not answer. */
export function scrapeConfig(profile) {
  const jobs = APPS.map(
    (app) => `  - job_name: ${app.name}
    static_configs:
      - targets: ['127.0.0.1:${portOf(app, profile)}']`,
  );
  return `# Written by scripts/lib/prometheus.mjs on every start; edits are lost.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
rule_files:
  - ${JSON.stringify(RULES_FILE)}
scrape_configs:
${jobs.join('\n')}
`;
}

const ready = async (port) => {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
};

/** Starts this profile's Prometheus unless it runs already; returns its web UI's URL. */
export async function startPrometheus(profile) {
  await ensurePrometheus();
  const p = paths(profile);
  const port = prometheusPort(profile);
  const url = `http://127.0.0.1:${port}`;
  // The config file's path is on the command line: it tells our server from any other.
  if (isOurProcess(readPidFile(p.pidFile), p.config)) {
    writeFileSync(p.config, scrapeConfig(profile));
    await fetch(`${url}/-/reload`, { method: 'POST' }).catch(() => undefined);
    return url;
  }
  mkdirSync(join(p.dir, 'data'), { recursive: true });
  mkdirSync(join(root, '.data', profile, 'logs'), { recursive: true });
  writeFileSync(p.config, scrapeConfig(profile));
  await ensurePortsFree('prometheus', { PROMETHEUS_PORT: port });
  const offset = logOffset(p.logFile);
  const log = openSync(p.logFile, 'a');
  const child = spawn(
    which('prometheus'),
    [
      `--config.file=${p.config}`,
      `--storage.tsdb.path=${join(p.dir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
    ],
    { cwd: p.dir, detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  writeFileSync(p.pidFile, String(child.pid));
  child.unref();
  await waitUntil(
    async () => {
      if (await ready(port)) return true;
      if (!isOurProcess(child.pid, p.config)) throw startupFailure('prometheus', p.logFile, offset);
      return false;
    },
    { what: 'prometheus', timeoutMs: 60_000, logFile: p.logFile },
  );
  return url;
}

/** Stops this profile's Prometheus; true when one was running. */
export async function stopPrometheus(profile) {
  const p = paths(profile);
  const pid = readPidFile(p.pidFile);
  const running = isOurProcess(pid, p.config);
  if (running) await terminate(pid, p.config, 15_000);
  if (existsSync(p.pidFile)) rmSync(p.pidFile);
  return running;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensurePrometheus().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
