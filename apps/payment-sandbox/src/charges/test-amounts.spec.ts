import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeFor, settleDelayFor } from './test-amounts';

const settlement = { settleDelayMs: 200, slowSettleDelayMs: 10_000, pollIntervalMs: 100 };

describe('test amounts', () => {
  it('declines amounts ending in 02 as card_declined and in 05 as insufficient_funds', () => {
    assert.deepEqual(outcomeFor(1002), { status: 'failed', failureReason: 'card_declined' });
    assert.deepEqual(outcomeFor(2), { status: 'failed', failureReason: 'card_declined' });
    assert.deepEqual(outcomeFor(99_905), { status: 'failed', failureReason: 'insufficient_funds' });
  });

  it('lets every other amount succeed, including ones merely containing 02 or 05', () => {
    for (const amount of [1, 100, 1000, 1020, 1050, 2001, 1009, 12_345]) {
      assert.deepEqual(outcomeFor(amount), { status: 'succeeded' }, String(amount));
    }
  });

  it('settles amounts ending in 09 slowly and the others after the normal delay', () => {
    assert.equal(settleDelayFor(1009, settlement), 10_000);
    assert.equal(settleDelayFor(1002, settlement), 200);
    assert.equal(settleDelayFor(1090, settlement), 200);
  });
});
