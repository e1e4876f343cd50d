import assert from 'node:assert/strict';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { settings } from './energy-api';
import { metricValue } from './service-metrics';

export interface RefusalError {
  message: string;
  extensions?: { code?: string };
}

/** A graphql-ws client of the gateway, signed in with `token` or anonymous. */
export const subscriptionClient = (token: string | undefined): Client =>
  createClient({
    url: settings.gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });

/** The test stack gateway's open subscriptions, from its /metrics. */
export async function openSubscriptions(): Promise<number> {
  return (await metricValue('gateway', /^graphql_subscriptions[{ ]/)) ?? 0;
}

/**
 * What a refused subscription answers, whichever way graphql-ws carries it: a document that
 * fails validation comes as an `error` message (the iterator throws the errors), a subscribe
 * that fails as the operation's one result with errors and no data, then completion. Fails the
 * test when the subscription delivers data, ends with nothing, or stays open for 10 s: a
 * refusal has to be seen, not assumed from a stream that ended empty.
 */
export async function subscriptionRefusal(
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<RefusalError> {
  const client = subscriptionClient(token);
  const results: { data?: unknown; errors?: readonly RefusalError[] }[] = [];
  let thrown: unknown;
  const consume = (async () => {
    try {
      for await (const result of client.iterate({ query, variables })) results.push(result);
    } catch (error) {
      thrown = error;
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), 10_000)));
  try {
    const outcome = await Promise.race([consume, timeout]);
    assert.notEqual(outcome, 'open', 'the subscription stayed open: it was not refused');
    if (thrown !== undefined) {
      const errors = (Array.isArray(thrown) ? thrown : [thrown]) as RefusalError[];
      assert.ok(errors[0]?.message, `the refusal carries an error: ${JSON.stringify(thrown)}`);
      return errors[0];
    }
    assert.equal(results.length, 1, 'a refusal is one result');
    assert.equal(results[0].data ?? null, null, 'nothing is delivered');
    const [first] = results[0].errors ?? [];
    assert.ok(first, 'the one result carries an error');
    return first;
  } finally {
    clearTimeout(timer);
    await client.dispose();
  }
}
