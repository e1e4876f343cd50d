import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSeconds, progressLine, progressOf } from './progress';

describe('rebuild progress', () => {
  const first = { atMs: 0, applied: 1000, end: 11_000, live: 10_900 };
  const second = { atMs: 2000, applied: 5000, end: 13_000, live: 12_950 };

  it('measures the rate since the last sample and the time left to the topic end at it', () => {
    const progress = progressOf(first, second, 0);
    assert.deepEqual(progress, { rate: 2000, lag: 8000, etaSeconds: 4 });
  });

  it('smooths the rate with the previous one', () => {
    assert.equal(progressOf(first, second, 1000).rate, 1500);
  });

  it('has no ETA while nothing moves, and none left once at the end', () => {
    assert.equal(progressOf(first, { ...first, atMs: 1000 }, 0).etaSeconds, null);
    assert.equal(progressOf(first, { ...second, end: 5000 }, 0).etaSeconds, 0);
  });

  it('prints applied, rate, lag, ETA and where the live version stands', () => {
    const line = progressLine('energy v2', second, progressOf(first, second, 0));
    assert.equal(line, 'energy v2  5000/13000 (38.5%)  2000 ev/s  lag 8000  ETA 4s  (live at 12950)');
  });

  it('writes long waits in minutes and hours', () => {
    assert.equal(formatSeconds(150), '2m30s');
    assert.equal(formatSeconds(7300), '2h01m');
  });
});
