import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { testSettings } from '@voltstream/testing';
import Redis from 'ioredis';
import { RateLimiter } from './rate-limiter';

const settings = testSettings();
const limits = { perUser: 100, perIp: 10, windowSeconds: 60 };

describe('rate limits counted here first and in Redis shortly after', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(settings.redisUrl);
  });
  after(() => redis.disconnect());

  const address = () => `10.9.${randomBytes(2).join('.')}`;
  const charge = (limiter: RateLimiter, ip: string, cost = 1) => limiter.consume({ userId: null, ip, cost });

  it('counts one instance’s requests exactly, and every instance’s once the charges are sent', async () => {
    const [first, second] = [new RateLimiter(redis, limits), new RateLimiter(redis, limits)];
    const ip = address();
    const remaining: number[] = [];
    for (let i = 0; i < 6; i++) remaining.push((await charge(first, ip)).remaining);
    assert.deepEqual(remaining, [9, 8, 7, 6, 5, 4], 'without waiting for Redis');
    await first.flush();
    assert.equal(await redis.get(`ratelimit:ip:${ip}`), '6', 'the charges reached Redis');

    // The second instance learns the shared count with its own first send...
    assert.equal((await charge(second, ip)).remaining, 9);
    await second.flush();
    assert.equal(await redis.get(`ratelimit:ip:${ip}`), '7');
    // ...and from then on decides on both instances' charges.
    assert.equal((await charge(second, ip, 3)).remaining, 0);
    const refused = await charge(second, ip);
    assert.equal(refused.remaining, 0);
    assert.ok(refused.retryAfterSeconds !== null && refused.retryAfterSeconds <= 60, 'refused');
    await second.flush();
    await charge(first, ip);
    await first.flush();
    assert.ok((await charge(first, ip)).retryAfterSeconds !== null, 'the first instance refuses too');
  });

  it('reopens a key when its shared window closes', async () => {
    const limiter = new RateLimiter(redis, { ...limits, windowSeconds: 1 });
    const ip = address();
    assert.equal((await charge(limiter, ip, 10)).retryAfterSeconds, null);
    await limiter.flush();
    assert.notEqual((await charge(limiter, ip)).retryAfterSeconds, null);
    await limiter.flush();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal((await charge(limiter, ip)).remaining, 9, 'a new window counts from zero');
  });

  it('fails (so the gateway lets requests through) while Redis cannot take the charges', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    const limiter = new RateLimiter(down, limits);
    const ip = address();
    await charge(limiter, ip);
    await limiter.flush();
    await assert.rejects(charge(limiter, ip));
    down.disconnect();
  });
});
