import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { InstancePicker } from './instance-picker';

type Fetcher = RemoteGraphQLDataSource['fetcher'];

/**
 * Errors of a call that never reached the subgraph: no connection was made, so nothing was sent
 * and even a mutation is safe to send elsewhere. A reset or timeout on an open connection may
 * come after the subgraph received (and ran) the request: those are never retried.
 */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export const neverReachedSubgraph = (error: unknown): boolean =>
  NEVER_CONNECTED.has(String((error as { code?: unknown } | null)?.code));

/**
 * Each call of a subgraph's data source goes to the instance `picker` chooses (the data source's
 * own URL is one of them and is not used). A call that could not connect is sent once more to
 * another instance, and the refusing one counts as red until its next probe.
 */
export function spreadOver(picker: InstancePicker, fetcher: Fetcher): Fetcher {
  if (picker.urls.length === 1) return fetcher;
  return async (_url, init) => {
    const first = picker.pick()!;
    try {
      return await fetcher(first, init);
    } catch (error) {
      if (!neverReachedSubgraph(error)) throw error;
      picker.setHealth(first, false);
      const second = picker.pick([first]);
      if (!second) throw error;
      return fetcher(second, init);
    }
  };
}
