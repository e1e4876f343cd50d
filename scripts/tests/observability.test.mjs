// What ops look at: the alert rules pass promtool's own unit tests (alerts fire on injected
// series), and every metric the rules and the Grafana dashboard query is one the code registers.
// The e2e spec observability-alerts.e2e-spec.ts checks the same names against the running services.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  queriedMetricNames,
  RECORDED_BY_PROMETHEUS,
  registeredSeriesNames,
  seriesNames,
} from '../../infra/prometheus/metric-names.mjs';
import { ensurePrometheus, RULE_TESTS_FILE, RULES_FILE } from '../lib/prometheus.mjs';
import { root } from '../lib/run.mjs';

const run = promisify(execFile);

/** promtool's output, whether it passed or not; `code` is its exit status. */
async function promtool(args) {
  await ensurePrometheus();
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: root });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    return { code: error.code, output: `${error.stdout}${error.stderr}` };
  }
}

describe('alert rules', () => {
  it('are valid rules to promtool', async () => {
    const { code, output } = await promtool(['check', 'rules', RULES_FILE]);
    assert.equal(code, 0, output);
  });

  it('fire on injected lag, dead letters, stalls, backlog and errors, and stay quiet otherwise', async () => {
    const { code, output } = await promtool(['test', 'rules', RULE_TESTS_FILE]);
    assert.equal(code, 0, output);
    assert.match(output, /SUCCESS/);
  });
});

describe('metric names in the alert rules and the dashboard', () => {
  it('are all registered by the services or prom-client defaults', async () => {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
    const known = new Set([
      ...registeredSeriesNames(root),
      ...(await defaults.getMetricsAsJSON()).flatMap((metric) => seriesNames(metric.name, metric.type)),
      ...RECORDED_BY_PROMETHEUS,
    ]);
    const queried = queriedMetricNames(root);
    assert.ok(queried.size > 15, `only ${queried.size} metric names found: is the extraction broken?`);
    const unknown = [...queried].filter(([name]) => !known.has(name));
    assert.deepEqual(
      unknown.map(([name, files]) => `${name} (${files.join(', ')})`),
      [],
      'queried but never registered',
    );
  });
});
