import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs } from './retry-schedule';

const policy = { retryBaseDelayMs: 500, retryMaxDelayMs: 30_000 };

describe('webhook retry schedule', () => {
  it('waits 0.5 s after the first failure and doubles after each further one', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((failures) => retryDelayMs(failures, policy)),
      [500, 1000, 2000, 4000, 8000, 16_000],
    );
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    assert.equal(retryDelayMs(7, policy), 30_000);
    assert.equal(retryDelayMs(2880, policy), 30_000);
  });
});
