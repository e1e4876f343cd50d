import { Readiness } from '../health/readiness';
import { JsonLogger } from '../logging/json-logger';
import { retryUntilDone } from './retry';

/**
 * Runs a service's start (connect and migrate its database, join Kafka …) after it listens,
 * retried until it succeeds: a database that is down at boot keeps the service live and not
 * ready, saying why, instead of ending the process. `start` must be safe to call again after
 * it failed part way.
 */
export function startInBackground(
  start: () => Promise<void>,
  readiness: Readiness,
  logger: JsonLogger,
): { stop(): void } {
  let state: { started: boolean; attempts: number; error: string | null } = {
    started: false,
    attempts: 0,
    error: null,
  };
  let stopped = false;
  readiness.add({
    name: 'startup',
    check: async () => ({
      up: state.started,
      details: state.started
        ? { state: 'started' }
        : { state: 'starting', attempts: state.attempts, ...(state.error ? { reason: state.error } : {}) },
    }),
  });
  void retryUntilDone(
    async () => {
      await start();
      state = { ...state, started: true, error: null };
      logger.event('info', 'service started', { attempts: state.attempts + 1 });
    },
    {
      isCancelled: () => stopped,
      maxDelayMs: 2000,
      onError: (error, attempt) => {
        state = { started: false, attempts: attempt, error: describe(error) };
        logger.event('warn', 'cannot start yet; retrying', { error: state.error, attempt });
      },
    },
  );
  return { stop: () => (stopped = true) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
