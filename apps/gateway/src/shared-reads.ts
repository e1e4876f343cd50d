import type { RemoteGraphQLDataSource } from '@apollo/gateway';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherRequestInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/**
 * Headers that differ per client request without changing what a subgraph answers: the
 * correlation id (the shared call's log lines carry the first request's id).
 */
const NOT_PART_OF_THE_QUESTION = new Set(['x-correlation-id']);

/**
 * Identical subgraph queries in flight at the same time share one call: same subgraph, same
 * body, same token, consistency token and client address. A dashboard opened by many tabs, or
 * a burst of clients polling the same page, costs the subgraph one answer. Only queries are
 * shared (a mutation always runs once per request), and only while in flight: nothing is
 * cached after the answer arrives.
 */
export function sharingIdenticalQueries(fetcher: Fetcher): Fetcher {
  const inFlight = new Map<string, Promise<FetcherResponse>>();
  return async (url, init) => {
    const key = init && queryKeyOf(url, init);
    if (!key) return fetcher(url, init);
    let answer = inFlight.get(key);
    if (!answer) {
      answer = fetcher(url, init).finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
    }
    // Each caller reads its own copy of the body.
    return (await answer).clone();
  };
}

/** The sharing key of a GraphQL query; undefined for anything that must run on its own. */
function queryKeyOf(url: string, init: FetcherRequestInit): string | undefined {
  // An abortable call belongs to one request: its abort must not fail the others.
  if (init.method !== 'POST' || typeof init.body !== 'string' || init.signal) return undefined;
  if (!isQuery(init.body)) return undefined;
  const headers = Object.entries(init.headers ?? {})
    .filter(([name]) => !NOT_PART_OF_THE_QUESTION.has(name.toLowerCase()))
    .map(([name, value]) => `${name.toLowerCase()}:${value}`)
    .sort();
  return JSON.stringify([url, headers, init.body]);
}

/** Only a document that is positively a query operation: `query …` or the `{ … }` shorthand. */
function isQuery(body: string): boolean {
  try {
    const { query } = JSON.parse(body) as { query?: unknown };
    return typeof query === 'string' && /^\s*(query\b|\{)/.test(query);
  } catch {
    return false;
  }
}
