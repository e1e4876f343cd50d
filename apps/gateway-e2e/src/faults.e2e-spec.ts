import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseUrl, dataOf, eventually, queryOnce, withStopped } from '@voltstream/testing';
import {
  newUser,
  quarterHourReadings,
  readConsumption,
  readinessOf,
  recordReadings,
  registerMeter,
  settings,
  totalWh,
} from './energy-api';
import { metricValue } from './service-metrics';
import { energyQueryReadsReplica } from './energy-sides';

const day = (fromIso: string) => ({
  from: fromIso,
  to: new Date(Date.parse(fromIso) + 86_400_000).toISOString(),
  granularity: 'DAY',
});

describe('faults in the infrastructure', () => {
  it('accepts commands while Kafka is down and loses none of them once it is back', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const readings = quarterHourReadings('2026-11-05T00:00:00Z', 96);
    const tokens = await withStopped('kafka', async () => {
      const accepted: string[] = [];
      for (let i = 0; i < readings.length; i += 32) {
        accepted.push(
          dataOf(await recordReadings(user, meter.id, readings.slice(i, i + 32))).recordReadings
            .consistencyToken,
        );
      }
      const [unsent] = await queryOnce<{ n: string }>(
        databaseUrl(settings.databaseUrl, 'energy_command'),
        'SELECT count(*)::text AS n FROM outbox WHERE sent_at IS NULL AND message_key = $1',
        [meter.id],
      );
      assert.ok(Number(unsent.n) >= 1, 'events wait in the outbox while Kafka is down');
      return accepted;
    });
    const total = await eventually(
      async () => {
        const response = await readConsumption(user, meter.id, {
          ...day('2026-11-05T00:00:00Z'),
          consistency: tokens.at(-1)!,
        });
        return response.errors.length === 0 ? response.data!.meter.consumption.totalKwh : undefined;
      },
      90_000,
      'the readings written during the outage',
    );
    assert.equal(Math.round(total * 1000), totalWh(readings));
  });

  it('reads from the primary while the replica is down, says so on readiness and metrics, and returns to the replica', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const readings = quarterHourReadings('2026-11-06T00:00:00Z', 96, 3);
    await withStopped('replica', async () => {
      await eventually(
        async () =>
          (await readinessOf('energy-query')).body.details['reads']?.['target'] === 'primary'
            ? true
            : undefined,
        10_000,
        'fallback',
      );
      const readiness = await readinessOf('energy-query');
      assert.equal(readiness.status, 200, 'still ready: reads are served');
      assert.match(String(readiness.body.details['reads']?.['reason']), /replica/);
      assert.equal(await metricValue('energy-query', /^read_target\{target="primary"/), 1);
      const receipt = dataOf(await recordReadings(user, meter.id, readings)).recordReadings;
      const response = await readConsumption(user, meter.id, {
        ...day('2026-11-06T00:00:00Z'),
        consistency: receipt.consistencyToken,
      });
      assert.equal(Math.round(dataOf(response).meter.consumption.totalKwh * 1000), totalWh(readings));
    });
    await energyQueryReadsReplica('back on the replica', 30_000);
  });

  it('answers correctly while Redis is down, and serves no stale cache entry after it returns', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const first = quarterHourReadings('2026-11-07T00:00:00Z', 48, 5);
    const second = quarterHourReadings('2026-11-07T12:00:00Z', 48, 9);
    const receipt = dataOf(await recordReadings(user, meter.id, first)).recordReadings;
    // Warm the cache with the first half of the day.
    dataOf(
      await readConsumption(user, meter.id, {
        ...day('2026-11-07T00:00:00Z'),
        consistency: receipt.consistencyToken,
      }),
    );
    dataOf(await readConsumption(user, meter.id, day('2026-11-07T00:00:00Z')));
    await withStopped('redis', async () => {
      const during = dataOf(await recordReadings(user, meter.id, second)).recordReadings;
      const response = await readConsumption(user, meter.id, {
        ...day('2026-11-07T00:00:00Z'),
        consistency: during.consistencyToken,
      });
      assert.equal(
        Math.round(dataOf(response).meter.consumption.totalKwh * 1000),
        totalWh([...first, ...second]),
      );
      assert.equal(
        (await readinessOf('energy-query')).status,
        200,
        'a cache outage does not take reads out of rotation',
      );
    });
    // The projector could not invalidate while Redis was down; the warm entry must still not be served.
    const after = dataOf(await readConsumption(user, meter.id, day('2026-11-07T00:00:00Z')));
    assert.equal(Math.round(after.meter.consumption.totalKwh * 1000), totalWh([...first, ...second]));
  });
});
