import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { JsonLogger } from '@voltstream/platform';
import { PollingLoop } from './polling-loop';

const logger = new JsonLogger('test', 'error');
const LONG_INTERVAL_MS = 60_000;

/** A loop whose ticks find nothing, recording when each ran; with a long safety-net interval. */
function idleLoop(onTick: () => void = () => undefined) {
  const ticks: number[] = [];
  const loop = new PollingLoop(
    'test',
    async () => {
      ticks.push(Date.now());
      onTick();
      return 0;
    },
    LONG_INTERVAL_MS,
    logger,
  );
  return { loop, ticks };
}

describe('PollingLoop', () => {
  it('runs when announced work falls due, not only at its interval', async () => {
    const { loop, ticks } = idleLoop();
    loop.start();
    await sleep(20); // the first tick ran at start; the loop sleeps for a minute now
    const announcedAt = Date.now();
    loop.wakeIn(100);
    await sleep(400);
    await loop.stop();
    assert.equal(ticks.length, 2, `ticked ${ticks.length} times`);
    assert.ok(ticks[1] >= announcedAt + 100, 'not before the work was due');
  });

  it('keeps work announced while a tick runs (the tick may have looked before it existed)', async () => {
    let announce: (() => void) | undefined;
    const { loop, ticks } = idleLoop(() => announce?.());
    announce = () => {
      announce = undefined; // once, during the first tick
      loop.wakeIn(50);
    };
    loop.start();
    await sleep(400);
    await loop.stop();
    assert.equal(ticks.length, 2, `ticked ${ticks.length} times`);
  });

  it('keeps later announcements after an earlier one was served', async () => {
    const { loop, ticks } = idleLoop();
    loop.start();
    await sleep(20);
    loop.wakeIn(50);
    loop.wakeIn(200);
    await sleep(500);
    await loop.stop();
    assert.equal(ticks.length, 3, `ticked ${ticks.length} times`);
  });
});
