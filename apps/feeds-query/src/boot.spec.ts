import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

describe('feeds-query boot', () => {
  it('stops before touching anything, naming each missing or bad setting', () => {
    const result = spawnSync(process.execPath, [join(__dirname, 'main.js')], {
      env: { PATH: process.env['PATH'], REDIS_URL: 'http://127.0.0.1:1', FEED_CAP: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 1);
    const log = result.stdout;
    assert.match(log, /DATABASE_URL is required/);
    assert.match(log, /KAFKA_BROKERS is required/);
    assert.match(log, /REDIS_URL must use redis: or rediss:/);
    assert.match(log, /FEED_CAP must be an integer from 1 to 100000/);
  });
});
