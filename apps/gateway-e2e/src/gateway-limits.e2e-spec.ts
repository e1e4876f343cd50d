import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { graphql } from '@voltstream/testing';
import { newUser, settings } from './energy-api';
import { startGateway } from './gateway-process';

/** How many GraphQL requests a subgraph has served, from its own metrics. */
async function subgraphRequests(service: string): Promise<number> {
  const text = await (await fetch(`${settings.serviceBaseUrl(service)}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) => line.startsWith('http_request_duration_seconds_count') && line.includes('route="/graphql"'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** Sends `query` and checks it was refused without reaching the subgraph named. */
async function refusedBeforeSubgraph(
  query: string,
  subgraph: string,
  variables: Record<string, unknown> = {},
) {
  const token = await newUser();
  const before = await subgraphRequests(subgraph);
  const response = await graphql(settings.gatewayUrl, query, variables, { token });
  assert.equal(response.data, null);
  assert.equal(response.errors[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response.errors));
  assert.equal(await subgraphRequests(subgraph), before, `${subgraph} was not called`);
  return response.errors[0];
}

describe('gateway limits under abuse', () => {
  it('refuses a valid query 50 levels deep before any subgraph runs, and lets the same shape through shallow', async () => {
    // course → author → enrollments → course … nests without end: valid at any depth, so what
    // refuses it can only be the depth limit (a document that fails validation proves nothing).
    const nested = (cycles: number) =>
      `{ course(id: "00000000-0000-4000-8000-000000000000") { ${'author { enrollments { course { '.repeat(cycles)}id${' } } }'.repeat(cycles)} } }`;
    const error = await refusedBeforeSubgraph(nested(16), 'feeds-query');
    assert.equal(error.extensions?.['limit'], 'depth', JSON.stringify(error));
    assert.ok(Number(error.extensions?.['value']) >= 50, JSON.stringify(error));
    const shallow = await graphql(settings.gatewayUrl, nested(2), {}, { token: await newUser() });
    assert.deepEqual(shallow.errors, [], 'the same shape, shallow, is a valid query');
  });

  it('refuses 1000 aliases in one request', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const error = await refusedBeforeSubgraph(query, 'identity');
    assert.equal(error.extensions?.['limit'], 'alias count');
  });

  it('refuses first: 100000 by its cost', async () => {
    const query = `query($id: ID!, $first: Int) { meter(id: $id) {
      consumption(from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z", granularity: HOUR, first: $first) { nodes { kwh start end } } } }`;
    const error = await refusedBeforeSubgraph(query, 'energy-query', {
      id: '00000000-0000-4000-8000-000000000000',
      first: 100_000,
    });
    assert.equal(error.extensions?.['limit'], 'cost');
  });

  it('refuses a batch of 1000 operations', async () => {
    const response = await fetch(settings.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ __typename }' }))),
    });
    assert.equal(response.status, 400);
  });

  it('refuses a 1 MB document with 413 before parsing it', async () => {
    const response = await fetch(settings.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename ${' '.repeat(1024 * 1024)}}` }),
    });
    assert.equal(response.status, 413);
  });

  it('refuses a mutation sent with GET', async () => {
    const query = encodeURIComponent('mutation { logout(refreshToken: "x") }');
    const response = await fetch(`${settings.gatewayUrl}?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    assert.equal(response.status, 405);
  });
});

describe('gateway transport', () => {
  it('compresses a large response for a client that accepts gzip', async () => {
    const response = await fetch(settings.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ query: '{ __schema { types { name fields { name } } } }' }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    assert.ok(
      ((await response.json()) as { data: { __schema: { types: unknown[] } } }).data.__schema.types.length >
        10,
    );
  });
});

describe('a gateway in production mode', () => {
  it('refuses introspection and gives no field suggestions', async () => {
    const gateway = await startGateway({ GRAPHQL_MODE: 'production' });
    try {
      const introspection = await graphql(gateway.url, '{ __schema { types { name } } }');
      assert.equal(introspection.data, null);
      assert.match(introspection.errors[0]?.message ?? '', /introspection/i);

      const typo = await graphql(gateway.url, '{ mee { id } }');
      assert.doesNotMatch(JSON.stringify(typo.errors), /Did you mean/);
      const typoInDevelopment = await graphql(settings.gatewayUrl, '{ mee { id } }');
      assert.match(JSON.stringify(typoInDevelopment.errors), /Did you mean/, 'development mode still helps');
    } finally {
      await gateway.stop();
    }
  });
});
