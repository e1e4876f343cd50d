import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, eventually } from '@voltstream/testing';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  recordReadings,
  registerMeter,
  settings,
} from './energy-api';
import { STACK_SERVICES } from './service-process';

async function metrics(service: string): Promise<string> {
  const response = await fetch(`${settings.serviceBaseUrl(service)}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The value of the first sample of a metric family whose line matches. */
function sample(text: string, pattern: RegExp): number {
  const line = text.split('\n').find((l) => !l.startsWith('#') && pattern.test(l));
  assert.ok(line, `no sample matching ${pattern}`);
  return Number(line.split(' ').at(-1));
}

describe('probes and metrics', () => {
  it('every service answers live, ready and metrics', async () => {
    for (const service of STACK_SERVICES) {
      const live = await fetch(`${settings.serviceBaseUrl(service)}/health/live`);
      const ready = await fetch(`${settings.serviceBaseUrl(service)}/health/ready`);
      assert.deepEqual([service, live.status, ready.status], [service, 200, 200]);
      assert.match(await metrics(service), /process_cpu_seconds_total/);
    }
  });

  it('reports latency, projection lag, consumer lag, outbox backlog, cache hit ratio and pool usage', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const receipt = dataOf(
      await recordReadings(user, meter.id, quarterHourReadings('2026-11-12T00:00:00Z', 8)),
    ).recordReadings;
    const range = {
      from: '2026-11-12T00:00:00Z',
      to: '2026-11-13T00:00:00Z',
      granularity: 'DAY',
      consistency: receipt.consistencyToken,
    };
    dataOf(await readConsumption(user, meter.id, range));
    dataOf(await readConsumption(user, meter.id, range));

    // A test before may have paused the replica's replay: energy-query reads the primary until
    // the replica is back within its lag limit.
    const query = await eventually(
      async () => {
        const text = await metrics('energy-query');
        return sample(text, /^read_target\{.*target="replica"/) === 1 ? text : undefined;
      },
      30_000,
      'energy-query to read its replica again',
    );
    assert.ok(sample(query, /^http_request_duration_seconds_count\{.*route="\/graphql"/) > 0);
    assert.ok(sample(query, /^projection_lag_seconds_count/) > 0);
    assert.ok(sample(query, /^projection_events_applied_total/) > 0);
    assert.ok(sample(query, /^kafka_consumer_lag_messages/) >= 0);
    assert.ok(sample(query, /^cache_hit_ratio/) > 0, 'the second read was a cache hit');
    assert.ok(sample(query, /^db_pool_connections\{.*pool="replica",state="idle"/) >= 1);
    assert.equal(sample(query, /^read_target\{.*target="replica"/), 1);

    const command = await metrics('energy-command');
    assert.ok(sample(command, /^outbox_backlog_rows/) >= 0);
    assert.ok(sample(command, /^db_pool_connections\{.*pool="primary",state="idle"/) >= 1);
  });
});
