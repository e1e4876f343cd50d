import { createRequire } from 'node:module';

/** The part of kafkajs's (untyped, internal) per-connection request queue this fix touches. */
export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

interface RequestQueueClass {
  prototype: RequestQueueInternals & { [IDLE_FIX]?: true };
}

const IDLE_FIX = Symbol.for('voltstream.kafkajs-idle-fix');

/** kafkajs's own retry period for pending requests that wait on in-flight limits or a throttle. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/**
 * kafkajs 2.2.4, its last release (kafkajs#1603), re-arms a timer every millisecond in each
 * connection's request queue while nothing is pending and nothing throttled:
 * `scheduleCheckPendingRequests` waits `throttledUntil - now`, negative when not throttled, so
 * the check runs at once and schedules itself again (kafkajs#1556, #1704). Every open connection
 * of an idle service spins at ~1 kHz; it was most of an idle consumer's CPU. This is the fix of
 * kafkajs#1667 (never released): with nothing pending and no throttle there is nothing to check
 * later. Nothing waits on that loop: a request that cannot go out at once is pushed as pending,
 * which schedules its check, and every response checks the pending queue itself.
 */
function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledForMs = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttledForMs <= 0) return;
  const delayMs = throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

/** kafkajs's RequestQueue class (internal module: kafkajs has no `exports` map, and is pinned). */
export function kafkajsRequestQueue(): RequestQueueClass {
  const load = createRequire(__filename);
  return load('kafkajs/src/network/requestQueue') as RequestQueueClass;
}

/** Patches kafkajs once per process; throws if its internals are not what this fix expects. */
export function applyKafkajsIdleFix(): void {
  const { prototype } = kafkajsRequestQueue();
  if (prototype[IDLE_FIX]) return;
  if (
    typeof prototype.scheduleCheckPendingRequests !== 'function' ||
    typeof prototype.checkPendingRequests !== 'function'
  ) {
    throw new Error('kafkajs RequestQueue changed: review libs/platform/src/kafka/kafkajs-idle-fix.ts');
  }
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  prototype[IDLE_FIX] = true;
}
