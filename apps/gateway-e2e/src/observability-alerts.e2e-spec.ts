import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { settings } from './energy-api';
import { STACK_SERVICES } from './service-process';

const ROOT = join(__dirname, '../../../..');

/** infra/prometheus/metric-names.mjs, shared with the unit test of the rules (scripts/tests). */
interface MetricNames {
  queriedMetricNames(root: string): Map<string, string[]>;
  exposedSeriesNames(text: string): string[];
  RECORDED_BY_PROMETHEUS: Set<string>;
}

const metricNames = async () =>
  (await import(pathToFileURL(join(ROOT, 'infra/prometheus/metric-names.mjs')).href)) as MetricNames;

async function scrape(service: string): Promise<string> {
  const response = await fetch(`${settings.serviceBaseUrl(service)}/metrics`);
  assert.equal(response.status, 200, `${service} /metrics`);
  return response.text();
}

describe('what the alerts and the dashboard query', () => {
  it('is exported on /metrics by some running service', async () => {
    const names = await metricNames();
    const exposed = new Set<string>();
    for (const service of STACK_SERVICES) {
      for (const name of names.exposedSeriesNames(await scrape(service))) exposed.add(name);
    }
    const missing = [...names.queriedMetricNames(ROOT)]
      .filter(([name]) => !names.RECORDED_BY_PROMETHEUS.has(name) && !exposed.has(name))
      .map(([name, files]) => `${name} (${files.join(', ')})`);
    assert.deepEqual(missing, [], 'queried, but no service exports it');
  });

  it('sees every readiness probe up while the stack is ready', async () => {
    for (const service of STACK_SERVICES) {
      const probes = (await scrape(service))
        .split('\n')
        .filter((line) => line.startsWith('readiness_probe_up{'));
      assert.ok(
        probes.some((line) => line.includes('probe="lifecycle"')),
        `${service}: ${probes.join(' ')}`,
      );
      assert.deepEqual(
        probes.filter((line) => !line.endsWith(' 1')),
        [],
        `${service} reports a probe down`,
      );
    }
  });
});
