#!/usr/bin/env node
// `npm start`: installs if needed, builds, starts the infrastructure that no environment
// variable points elsewhere, starts every service (migrations run as each boots), and prints
// where to point a GraphQL client once every /health/ready is green. Idempotent: what runs
// already is reused. `--with-prometheus` also runs Prometheus on the services' /metrics with the
// alert rules of infra/prometheus (scripts/lib/prometheus.mjs).
import { build } from './build.mjs';
import { APPS, gatewayUrl, startApps, stopApps, waitUntilReady } from './lib/apps.mjs';
import { ensureInstalled } from './lib/install.mjs';
import { startPrometheus } from './lib/prometheus.mjs';

const profile = (process.env.VOLTSTREAM_PROFILE ||= 'dev');
const OPTIONS = ['--with-prometheus'];
const unknown = process.argv.slice(2).filter((arg) => !OPTIONS.includes(arg));
if (unknown.length > 0) {
  console.error(`start: unknown option ${unknown.join(' ')} (known: ${OPTIONS.join(' ')})`);
  process.exit(2);
}
const withPrometheus = process.argv.includes('--with-prometheus');

async function main() {
  await ensureInstalled();
  await build();
  const infra = await import('../infra/local/infra.mjs');
  await infra.up();
  const started = startApps(profile, infra.env());
  console.error(started.length ? `apps: starting ${started.join(', ')}` : 'apps: all already running');
  try {
    await waitUntilReady(profile);
  } catch (error) {
    await stopApps(
      profile,
      APPS.filter((app) => started.includes(app.name)),
    );
    throw error;
  }
  const prometheus = withPrometheus ? await startPrometheus(profile) : undefined;
  const alerts = prometheus
    ? `\n  Alerts:   ${prometheus}/alerts   (Prometheus, scraping every service; infra/prometheus/alerts.yml)`
    : '';
  console.log(`
Voltstream is ready.
  GraphQL:  ${gatewayUrl(profile)}   (register or login, then send  Authorization: Bearer <accessToken>)
  IDE:      ${gatewayUrl(profile)}   (open it in a browser: GraphiQL, with a sign-in that fills in the token)
  Logs:     .data/${profile}/logs/${alerts}
  Stop:     npm run stop`);
}

main().catch((error) => {
  console.error(`start failed: ${error.message}`);
  process.exit(1);
});
