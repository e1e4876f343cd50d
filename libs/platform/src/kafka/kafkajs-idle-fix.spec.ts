import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { applyKafkajsIdleFix, kafkajsRequestQueue, RequestQueueInternals } from './kafkajs-idle-fix';

type Queue = RequestQueueInternals & { canSendSocketRequestImmediately(): boolean };

const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** A real kafkajs request queue (no socket needed), counting how often it checks its pending requests. */
function newQueue(): { queue: Queue; checks: () => number } {
  const RequestQueue = kafkajsRequestQueue() as unknown as new (options: object) => Queue;
  const queue = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 10_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:1',
    logger: { namespace: () => quietLogger, ...quietLogger },
  });
  let checks = 0;
  const check = queue.checkPendingRequests.bind(queue);
  queue.checkPendingRequests = () => {
    checks += 1;
    check();
  };
  return { queue, checks: () => checks };
}

describe('kafkajs idle fix', () => {
  before(() => applyKafkajsIdleFix());

  it('an idle request queue does not keep checking itself (kafkajs#1556: a 1 ms timer loop)', async () => {
    const { queue, checks } = newQueue();
    queue.checkPendingRequests(); // what every response does
    await sleep(100);
    const armed = queue.throttleCheckTimeoutId;
    clearTimeout(armed ?? undefined); // a loop would keep the test process alive
    assert.ok(checks() <= 2, `checked ${checks()} times in 100 ms with nothing pending`);
    assert.equal(armed, null, 'no timer left armed');
  });

  it('a request held back by a throttle is still sent once the throttle ends', async () => {
    const { queue } = newQueue();
    let sentAt: number | undefined;
    const request = { correlationId: 1, expectResponse: true, send: () => (sentAt = Date.now()) };
    const throttledUntil = Date.now() + 30;
    queue.throttledUntil = throttledUntil;
    queue.pending.push(request);
    queue.scheduleCheckPendingRequests();
    await sleep(200);
    assert.ok(sentAt !== undefined, 'the pending request was sent');
    assert.ok(sentAt >= throttledUntil, 'not before the throttle ended');
    clearTimeout(queue.throttleCheckTimeoutId ?? undefined);
  });

  it('patches kafkajs once, however often it is applied', () => {
    const patched = Object.getOwnPropertyDescriptor(
      kafkajsRequestQueue().prototype,
      'scheduleCheckPendingRequests',
    );
    applyKafkajsIdleFix();
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(kafkajsRequestQueue().prototype, 'scheduleCheckPendingRequests'),
      patched,
    );
  });
});
