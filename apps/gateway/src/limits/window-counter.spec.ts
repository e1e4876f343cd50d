import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalWindowCounters, secondsToWait } from './window-counter';

describe('in-process fixed windows (the throttle while Redis is down)', () => {
  it('counts per key within a window and refuses past the limit', () => {
    let now = 0;
    const counters = new LocalWindowCounters(300, 100, () => now);
    const attempt = (key: string) => secondsToWait(counters.add([{ key, cost: 1, limit: 3 }]));
    assert.deepEqual([attempt('a'), attempt('a'), attempt('a')], [null, null, null]);
    assert.equal(attempt('a'), 300);
    assert.equal(attempt('b'), null, 'another key has its own window');
    now = 299_000;
    assert.equal(attempt('a'), 1);
    now = 300_000;
    assert.equal(attempt('a'), null, 'a new window starts once the old one closed');
  });

  it('stays bounded under a flood of distinct keys', () => {
    const counters = new LocalWindowCounters(300, 10, () => 0);
    for (let i = 0; i < 1000; i += 1) counters.add([{ key: `k${i}`, cost: 1, limit: 1 }]);
    assert.ok((counters as unknown as { windows: Map<string, unknown> }).windows.size <= 10);
  });
});
