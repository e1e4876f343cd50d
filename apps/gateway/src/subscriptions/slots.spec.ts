import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Slots } from './supergraph-calls';

describe('slots for live event reads', () => {
  it('runs at most `size` calls at once, the rest in arrival order, and frees a slot on failure', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const call = (n: number, fail = false) =>
      slots.run(async () => {
        started.push(n);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        if (fail) throw new Error(`call ${n} failed`);
        return n;
      });
    const results = await Promise.allSettled([call(1, true), call(2), call(3), call(4, true), call(5)]);
    assert.equal(most, 2);
    assert.deepEqual(started, [1, 2, 3, 4, 5]);
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed')),
      ['failed', 2, 3, 'failed', 5],
    );
    assert.equal(await call(6), 6, 'no slot leaked');
  });
});
