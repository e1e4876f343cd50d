#!/usr/bin/env node
// `npm start`: installs if needed, builds, starts the infrastructure that no environment
// variable points elsewhere, starts every service (migrations run as each boots), and prints
// where to point a GraphQL client once every /health/ready is green. Idempotent: what runs
// already is reused. `--with-prometheus` also runs Prometheus on the services' /metrics with the
// alert rules of infra/prometheus (scripts/lib/prometheus.mjs). `--scale energy-query=2,gateway=2`
// runs that many instances of the services named, instance i on the service's port + 10·i
// (scripts/lib/scale.mjs); the gateway spreads its calls over a subgraph's instances.
import { build } from './build.mjs';
import {
  APPS,
  gatewayUrl,
  planOf,
  runningInstances,
  startApps,
  stopApps,
  waitUntilReady,
} from './lib/apps.mjs';
import { ensureInstalled } from './lib/install.mjs';
import { startPrometheus } from './lib/prometheus.mjs';
import { instanceIndexOf, parseScale } from './lib/scale.mjs';

const profile = (process.env.VOLTSTREAM_PROFILE ||= 'dev');

/** `--with-prometheus` and `--scale <spec>` (or `--scale=<spec>`); exits 2 naming what is wrong. */
function parseArgs(args) {
  const options = { withPrometheus: false, scale: {} };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--with-prometheus') options.withPrometheus = true;
    else if (arg === '--scale' || arg.startsWith('--scale=')) {
      const spec = arg === '--scale' ? args[(i += 1)] : arg.slice('--scale='.length);
      options.scale = parseScale(
        spec,
        APPS.map((app) => app.name),
      );
      planOf(profile, options.scale); // port collisions, before anything starts
    } else
      throw new Error(`unknown option ${arg} (known: --with-prometheus, --scale service=N[,service=N…])`);
  }
  return options;
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  console.error(`start: ${error.message}`);
  process.exit(2);
}

async function main() {
  await ensureInstalled();
  await build();
  const infra = await import('../infra/local/infra.mjs');
  await infra.up();
  const running = runningInstances(profile);
  const started = startApps(profile, infra.env(), APPS, options.scale);
  console.error(started.length ? `apps: starting ${started.join(', ')}` : 'apps: all already running');
  if (started.length > 0 && running.length > 0 && Object.keys(options.scale).length > 0) {
    console.error(
      `apps: ${running.map((r) => r.id).join(', ')} kept running with the instance lists they started with; \`npm run stop\` first for a gateway that knows every instance`,
    );
  }
  try {
    await waitUntilReady(profile);
  } catch (error) {
    await stopApps(
      profile,
      APPS.filter((app) => started.some((id) => instanceIndexOf(app.name, id) !== undefined)),
    );
    throw error;
  }
  const prometheus = options.withPrometheus ? await startPrometheus(profile) : undefined;
  const alerts = prometheus
    ? `\n  Alerts:   ${prometheus}/alerts   (Prometheus, scraping every service; infra/prometheus/alerts.yml)`
    : '';
  const instances = runningInstances(profile)
    .map(({ id, url }) => `\n    ${id.padEnd(20)} ${url}`)
    .join('');
  console.log(`
Voltstream is ready.
  GraphQL:  ${gatewayUrl(profile)}   (register or login, then send  Authorization: Bearer <accessToken>)
  IDE:      ${gatewayUrl(profile)}   (open it in a browser: GraphiQL, with a sign-in that fills in the token)
  Logs:     .data/${profile}/logs/${alerts}
  Instances:${instances}
  Stop:     npm run stop`);
}

main().catch((error) => {
  console.error(`start failed: ${error.message}`);
  process.exit(1);
});
