import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceMetrics } from '../metrics/service-metrics';
import { probeVerdicts, Readiness } from './readiness';

const sample = (text: string, probe: string) =>
  new RegExp(`^readiness_probe_up\\{probe="${probe}",service="svc"\\} (\\d)$`, 'm').exec(text)?.[1];

describe('readiness on /metrics', () => {
  it('reports each probe as 1 when up and 0 when down, as /health/ready sees them', async () => {
    let databaseUp = true;
    const readiness = new Readiness()
      .add({ name: 'database', check: async () => ({ up: databaseUp }) })
      .add({ name: 'kafka', check: () => Promise.reject(new Error('broker gone')) });
    const metrics = new ServiceMetrics('svc');
    metrics.reportReadiness(() => probeVerdicts(readiness, 500));

    let text = await metrics.registry.metrics();
    assert.equal(sample(text, 'lifecycle'), '1');
    assert.equal(sample(text, 'database'), '1');
    assert.equal(sample(text, 'kafka'), '0');

    databaseUp = false;
    readiness.startDraining();
    text = await metrics.registry.metrics();
    assert.equal(sample(text, 'lifecycle'), '0');
    assert.equal(sample(text, 'database'), '0');
  });
});
