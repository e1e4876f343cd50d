// A gateway of the harness's own: `node dist/apps/gateway/src/main.js` on a spare loopback port,
// pointed at the running subgraphs, with its own settings (raised rate and login limits, plan
// cache or persisted queries switched off), the way apps/gateway-e2e's production-mode test
// starts one. The dev stack's gateway on :4000 keeps its defaults and is left alone.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { nameProcess } from './cpu.mjs';
import { repoRoot } from './paths.mjs';
import { progress } from './runner.mjs';
import { redact, requireLoopback, stackTargets } from './targets.mjs';

export const GATEWAY_MAIN = join(repoRoot, 'dist/apps/gateway/src/main.js');
const GATEWAY_CONFIG = join(repoRoot, 'dist/apps/gateway/src/config.js');

/**
 * Limits high enough that no run of the harness reaches them: the login throttle (per account
 * and per client address) and the general rate limit (operations per user and per address).
 */
export const RAISED_LIMITS = {
  LOGIN_ATTEMPTS_PER_ACCOUNT: '100000000',
  LOGIN_ATTEMPTS_PER_IP: '100000000',
  RATE_LIMIT_PER_USER: '100000000',
  RATE_LIMIT_PER_IP: '100000000',
};

/**
 * Whether the built gateway reads an environment variable (its compiled config.js names it). A
 * variable it does not read is ignored at boot, so a variant still starts, but with defaults.
 */
export function gatewayReads(variable) {
  try {
    return readFileSync(GATEWAY_CONFIG, 'utf8').includes(`'${variable}'`);
  } catch {
    return false;
  }
}

/** A free TCP port on 127.0.0.1 (the kernel's choice; released again before the gateway binds it). */
export function sparePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The environment `npm start` gives its services (scripts/lib/apps.mjs serviceEnv: infra URLs,
 * `<SUBGRAPH>_URL` for every app, IDENTITY_JWKS_URL), so a subgraph added to APPS is found too.
 * An explicit `<NAME>_URL` in the harness's environment wins. Falls back to the dev ports.
 */
export async function stackEnv() {
  const profile = process.env.VOLTSTREAM_PROFILE || 'dev';
  const targets = await stackTargets();
  const infra = { REDIS_URL: targets.redis, DATABASE_URL: targets.primaryServer };
  let env;
  const checked = ['REDIS_URL', 'IDENTITY_JWKS_URL'];
  try {
    const apps = await import(join(repoRoot, 'scripts/lib/apps.mjs'));
    env = apps.serviceEnv(profile, infra);
    for (const app of apps.APPS) {
      if (app.name === 'gateway') continue;
      const variable = `${app.name.toUpperCase().replace(/-/g, '_')}_URL`;
      if (process.env[variable]) env[variable] = process.env[variable];
      checked.push(variable);
    }
  } catch (error) {
    progress(`gateway-process: scripts/lib/apps.mjs not usable (${error.message}); using the dev ports`);
    env = {
      ...process.env,
      ...infra,
      HOST: '127.0.0.1',
      IDENTITY_URL: process.env.IDENTITY_URL || 'http://127.0.0.1:4001/graphql',
      ENERGY_COMMAND_URL: process.env.ENERGY_COMMAND_URL || 'http://127.0.0.1:4101/graphql',
      ENERGY_QUERY_URL: process.env.ENERGY_QUERY_URL || 'http://127.0.0.1:4102/graphql',
      IDENTITY_JWKS_URL: 'http://127.0.0.1:4001/.well-known/jwks.json',
    };
    checked.push('IDENTITY_URL', 'ENERGY_COMMAND_URL', 'ENERGY_QUERY_URL');
  }
  for (const key of checked) if (env[key]) requireLoopback(env[key], key);
  return { env, subgraphVariables: checked.filter((key) => !['REDIS_URL'].includes(key)) };
}

/**
 * Starts a gateway and waits for its /health/ready. `env` is added on top of the stack's
 * environment and RAISED_LIMITS; `label` names it in progress, its log file and the CPU report
 * ("gateway (perf <label>)"); `nodeArgs` go to node before the script (e.g. `--cpu-prof`). Stopped by the returned `stop()`, and on cleanup (also Ctrl-C)
 * through `onCleanup`. Production mode (no introspection), like the e2e test, unless `env`
 * says otherwise. `main` runs another build of the gateway (e.g. another checkout's, to compare).
 */
export async function startGateway({
  label,
  env = {},
  nodeArgs = [],
  onCleanup,
  readyTimeoutMs = 60_000,
  main = GATEWAY_MAIN,
}) {
  if (!existsSync(main)) {
    throw new Error(`${main} does not exist: run \`npm run build\` first`);
  }
  const port = await sparePort();
  const { env: base, subgraphVariables } = await stackEnv();
  const childEnv = {
    ...base,
    GRAPHQL_MODE: 'production',
    ...RAISED_LIMITS,
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const logFile = join(tmpdir(), `perf-gateway-${label}-${process.pid}.log`);
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--enable-source-maps', ...nodeArgs, main], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const forgetPid = nameProcess(child.pid, `gateway (perf ${label})`);
  let exited = null;
  const exit = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );

  let removeCleanup = () => undefined;
  const stop = async () => {
    removeCleanup();
    if (!exited) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([exit.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut && !exited) {
        progress(`gateway ${label} did not stop in 10 s; killing it`);
        child.kill('SIGKILL');
        await exit;
      }
    }
    forgetPid();
  };
  removeCleanup = onCleanup ? onCleanup(stop) : () => undefined;

  const origin = `http://127.0.0.1:${port}`;
  const variables = Object.fromEntries(
    Object.entries({ ...RAISED_LIMITS, ...env }).map(([key, value]) => [key, String(value)]),
  );
  progress(
    `gateway ${label}: starting on ${origin} (${
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'defaults'
    })`,
  );
  const started = Date.now();
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(
        `the spawned gateway ${label} exited during start (${exited.code ?? exited.signal}); log ${logFile}:\n${tail(logFile)}`,
      );
    }
    const ready = await fetch(`${origin}/health/ready`, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() - started > readyTimeoutMs) {
      await stop();
      throw new Error(
        `the spawned gateway ${label} was not ready after ${readyTimeoutMs / 1000} s; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    await sleep(200);
  }
  const readyMs = Date.now() - started;
  progress(`gateway ${label}: ready in ${(readyMs / 1000).toFixed(1)} s`);
  const peers = Object.fromEntries(subgraphVariables.map((key) => [key, childEnv[key]]));
  return {
    label,
    pid: child.pid,
    url: `${origin}/graphql`,
    origin,
    logFile,
    readyMs,
    /** What the report records about this gateway: its settings and which ones the build reads. */
    describe: () => ({
      label,
      url: `${origin}/graphql`,
      mode: childEnv.GRAPHQL_MODE,
      settings: variables,
      ignoredByThisBuild: Object.keys(variables).filter((key) => !gatewayReads(key)),
      peers,
      redis: redact(childEnv.REDIS_URL ?? ''),
      readyMs,
    }),
    /** Warning and error lines the gateway logged, `{ problems, samples[] }`. */
    problems: () => logProblems(logFile),
    stop,
  };
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const PROBLEM = /"level":"(warn|error|fatal)"|\b(ERROR|FATAL|WARN)\b/;

function logProblems(file) {
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => PROBLEM.test(line));
    const samples = [...new Set(lines.map((line) => line.replace(/"time":"[^"]*",?/, '').slice(0, 400)))];
    return { problems: lines.length, samples: samples.slice(0, 5) };
  } catch {
    return { problems: 0, samples: [] };
  }
}

/** Notes for a report: what each spawned gateway logged as a warning or an error. */
export function gatewayLogNotes(gateways) {
  const notes = [];
  for (const gateway of gateways) {
    const { problems, samples } = gateway.problems();
    if (problems === 0) continue;
    notes.push(
      `The spawned gateway ${gateway.label} logged ${problems} warning/error lines (${gateway.logFile}), e.g. ` +
        samples
          .slice(0, 2)
          .map((s) => `\`${s.replace(/`/g, "'")}\``)
          .join('; '),
    );
  }
  return notes;
}
