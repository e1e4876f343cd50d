import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferedResponse } from './http-fetcher';
import { sharingIdenticalQueries } from './shared-reads';

const URL = 'http://127.0.0.1:1/graphql';
const queryOf = (meter: string) =>
  JSON.stringify({ query: 'query Q__energy__0($m:ID!){meter(id:$m){id}}', variables: { m: meter } });
const QUERY = queryOf('m');
const MUTATION = JSON.stringify({ query: 'mutation M__energy__0{registerMeter{id}}', variables: {} });

/** A subgraph that answers after `release()`, counting the calls it got. */
function slowSubgraph() {
  const calls: string[] = [];
  const waiting: (() => void)[] = [];
  const fetcher = (url: string, init?: { body?: unknown }) =>
    new Promise<BufferedResponse>((resolve) => {
      calls.push(String(init?.body));
      const answer = Buffer.from(JSON.stringify({ data: { n: calls.length } }));
      waiting.push(() => resolve(new BufferedResponse(url, 200, 'OK', {}, answer)));
    });
  const release = () => waiting.splice(0).forEach((answer) => answer());
  return { fetcher, calls, release };
}

const post = (body: string, headers: Record<string, string>) => ({ method: 'POST', body, headers });
const alice = { authorization: 'Bearer alice', 'x-correlation-id': 'one' };

describe('identical subgraph queries in flight share one call', () => {
  it('sends one call for identical queries (the correlation id aside) and gives each caller the body', async () => {
    const subgraph = slowSubgraph();
    const fetch = sharingIdenticalQueries(subgraph.fetcher);
    const first = fetch(URL, post(QUERY, alice));
    const second = fetch(URL, post(QUERY, { ...alice, 'x-correlation-id': 'two' }));
    subgraph.release();
    const answers = await Promise.all([first, second]);
    assert.equal(subgraph.calls.length, 1);
    for (const answer of answers) assert.deepEqual(await answer.json(), { data: { n: 1 } });
  });

  it('never shares between tokens, consistency tokens or bodies, nor a mutation, nor after the answer', async () => {
    const subgraph = slowSubgraph();
    const fetch = sharingIdenticalQueries(subgraph.fetcher);
    const pending = [
      fetch(URL, post(QUERY, alice)),
      fetch(URL, post(QUERY, { authorization: 'Bearer bob' })),
      fetch(URL, post(QUERY, { ...alice, 'x-consistency-token': 't' })),
      fetch(URL, post(queryOf('n'), alice)),
      fetch(URL, post(MUTATION, alice)),
      fetch(URL, post(MUTATION, alice)),
    ];
    subgraph.release();
    await Promise.all(pending);
    assert.equal(subgraph.calls.length, 6);
    const again = fetch(URL, post(QUERY, alice));
    subgraph.release();
    await again;
    assert.equal(subgraph.calls.length, 7);
  });
});
