import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, eventually } from '@voltstream/testing';
import { FormattedExecutionResult } from 'graphql';
import { newUser, quarterHourReadings, readConsumption, recordReadings, registerMeter } from './energy-api';
import { openSubscriptions, subscriptionClient, subscriptionRefusal } from './subscription-client';

const SUBSCRIPTION = 'subscription($meterId: ID!) { meterReadings(meterId: $meterId) { at kwh } }';

const clientFor = subscriptionClient;

type Next = FormattedExecutionResult<{ meterReadings: { at: string; kwh: number } }, unknown>;

const refusal = (token: string | undefined, meterId: string) =>
  subscriptionRefusal(token, SUBSCRIPTION, { meterId });

describe('meterReadings subscription over graphql-ws', () => {
  it('delivers a newly recorded reading to the meter owner', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    await readConsumption(user, meter.id, {
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-02T00:00:00Z',
      granularity: 'DAY',
      consistency: meter.consistencyToken,
    });
    const client = clientFor(user);
    const before = await openSubscriptions();
    const iterator = client.iterate<{ meterReadings: { at: string; kwh: number } }>({
      query: SUBSCRIPTION,
      variables: { meterId: meter.id },
    });
    const first = iterator.next();
    try {
      await eventually(
        async () => ((await openSubscriptions()) > before ? true : undefined),
        10_000,
        'the subscription to open',
      );
      const [reading] = quarterHourReadings('2026-11-15T08:00:00Z', 1, 11);
      dataOf(await recordReadings(user, meter.id, [reading]));
      const received: IteratorResult<Next> = await Promise.race([
        first,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no reading within 15 s')), 15_000),
        ),
      ]);
      if (received.done) assert.fail('the subscription completed without a reading');
      assert.deepEqual(received.value.data?.meterReadings, { at: reading.at, kwh: reading.kwh });
    } finally {
      await iterator.return?.();
      await client.dispose();
    }
  });

  it('refuses another customer’s meter exactly like a missing one', async () => {
    const meter = await registerMeter(await newUser());
    const foreign = await refusal(await newUser(), meter.id);
    const missing = await refusal(await newUser(), '00000000-0000-4000-8000-000000000000');
    assert.equal(foreign.extensions?.code, 'NOT_FOUND');
    assert.deepEqual(foreign, missing);
  });

  it('refuses a connection without a user', async () => {
    const meter = await registerMeter(await newUser());
    assert.equal((await refusal(undefined, meter.id)).extensions?.code, 'UNAUTHENTICATED');
  });

  it('answers a selection that fails validation with BAD_USER_INPUT, not INTERNAL', async () => {
    const user = await newUser();
    const meter = await registerMeter(user);
    const invalid = await subscriptionRefusal(
      user,
      'subscription($meterId: ID!) { meterReadings(meterId: $meterId) { at noSuchField } }',
      { meterId: meter.id },
    );
    assert.equal(invalid.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(invalid));
    const unparsable = await subscriptionRefusal(user, 'subscription { meterReadings(');
    assert.equal(unparsable.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(unparsable));
  });
});
