import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql, GraphQLResponse } from '@voltstream/testing';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newUser, settings } from './energy-api';
import { ExtraGateway, startGateway } from './gateway-process';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A client address of this test's own, passed the way a trusted load balancer passes it. */
const newAddress = () => `10.${[...randomBytes(3)].join('.')}`;

const aliases = (count: number, field: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

function send(
  url: string,
  query: string,
  { token, address }: { token?: string; address: string },
): Promise<GraphQLResponse<Record<string, unknown>>> {
  return graphql(url, query, {}, { token, headers: { 'x-forwarded-for': address } });
}

function assertRateLimited(response: GraphQLResponse<unknown>) {
  assert.equal(response.status, 429, JSON.stringify(response.errors));
  assert.equal(response.errors[0]?.extensions?.code, 'RATE_LIMITED');
  const wait = response.errors[0]?.extensions?.['retryAfterSeconds'];
  assert.ok(typeof wait === 'number' && wait >= 1 && wait <= 60, `retryAfterSeconds ${String(wait)}`);
  assert.equal(response.headers.get('retry-after'), String(wait));
  assert.equal(response.headers.get('x-ratelimit-remaining'), '0');
}

describe('rate limits per user and per address, counted per operation', () => {
  let gateway: ExtraGateway;
  before(async () => {
    gateway = await startGateway({
      RATE_LIMIT_PER_USER: '20',
      RATE_LIMIT_PER_IP: '50',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      // The test plays the load balancer: X-Forwarded-For from loopback is believed.
      TRUST_PROXY: 'loopback',
    });
  });
  after(() => gateway.stop());

  it('tells every response how many operations are left, each aliased field counted', async () => {
    const address = newAddress();
    const first = await send(gateway.url, '{ __typename }', { address });
    assert.equal(first.headers.get('x-ratelimit-remaining'), '49');
    const second = await send(gateway.url, aliases(3, '__typename'), { address });
    assert.equal(second.headers.get('x-ratelimit-remaining'), '46');
    const broken = await send(gateway.url, '{ not graphql', { address });
    assert.equal(broken.errors[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(
      broken.headers.get('x-ratelimit-remaining'),
      '45',
      'a request that does not parse counts once',
    );
  });

  it('limits a user across addresses, and not the next user on the same address', async () => {
    const token = await newUser();
    const address = newAddress();
    const ok = await send(gateway.url, aliases(15, 'me { id }'), { token, address });
    assert.equal(ok.errors.length, 0, JSON.stringify(ok.errors));
    assert.equal(ok.headers.get('x-ratelimit-remaining'), '5');
    assertRateLimited(await send(gateway.url, aliases(15, 'me { id }'), { token, address }));
    assertRateLimited(await send(gateway.url, '{ me { id } }', { token, address: newAddress() }));

    const other = await send(gateway.url, '{ me { id } }', { token: await newUser(), address });
    assert.equal(other.errors.length, 0, JSON.stringify(other.errors));
  });

  it('limits an address for anonymous and signed-in callers alike', async () => {
    const address = newAddress();
    for (let i = 0; i < 2; i++) {
      const response = await send(gateway.url, aliases(25, '__typename'), { address });
      assert.equal(response.status, 200);
    }
    assertRateLimited(await send(gateway.url, '{ __typename }', { address }));
    assertRateLimited(await send(gateway.url, '{ me { id } }', { token: await newUser(), address }));
    const elsewhere = await send(gateway.url, '{ __typename }', { address: newAddress() });
    assert.equal(elsewhere.status, 200);
  });

  it('charges 1000 aliased logins as 1000 operations, even when the document is refused', async () => {
    const address = newAddress();
    const logins = aliases(1000, 'login(email: "x@example.com", password: "0123456789") { accessToken }');
    const refused = await graphql(
      gateway.url,
      `mutation ${logins}`,
      {},
      { headers: { 'x-forwarded-for': address } },
    );
    assert.equal(refused.data, null);
    assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
    assertRateLimited(await send(gateway.url, '{ __typename }', { address }));
  });

  it('ignores X-Forwarded-For from a client the gateway does not trust', async () => {
    // The main test gateway trusts no proxy: the header changes nothing about who is counted.
    const before = await send(settings.gatewayUrl, '{ __typename }', { address: newAddress() });
    const afterwards = await send(settings.gatewayUrl, '{ __typename }', { address: newAddress() });
    const remaining = (response: GraphQLResponse<unknown>) =>
      Number(response.headers.get('x-ratelimit-remaining'));
    // Counted against 127.0.0.1 with everything else this run sent; a new window may just have opened.
    assert.ok(
      remaining(afterwards) === remaining(before) - 1 || remaining(afterwards) === 59_999,
      `${remaining(before)} then ${remaining(afterwards)}`,
    );
  });
});

describe('automatic persisted queries', () => {
  const query = `query PersistedMe { me { id email displayName } } # ${randomBytes(4).toString('hex')}`;
  const hash = sha256(query);
  const persisted = { persistedQuery: { version: 1, sha256Hash: hash } };

  async function post(url: string, body: unknown, token: string) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    return (await response.json()) as {
      data?: { me?: { id: string } };
      errors?: { extensions?: { code?: string } }[];
    };
  }

  it('asks for an unknown hash, registers it once, then runs it from the hash alone on any instance', async () => {
    const token = await newUser();
    const unknown = await post(settings.gatewayUrl, { extensions: persisted }, token);
    assert.equal(unknown.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');

    const registered = await post(settings.gatewayUrl, { query, extensions: persisted }, token);
    assert.ok(registered.data?.me?.id, JSON.stringify(registered));

    const byGet = await fetch(
      `${settings.gatewayUrl}?extensions=${encodeURIComponent(JSON.stringify(persisted))}`,
      { headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' } },
    );
    const viaGet = (await byGet.json()) as { data?: { me?: { id: string } } };
    assert.equal(viaGet.data?.me?.id, registered.data?.me?.id);

    // The registration lives in Redis, so a second gateway instance knows the hash too.
    const second = await startGateway({});
    try {
      const elsewhere = await post(second.url, { extensions: persisted }, token);
      assert.equal(elsewhere.data?.me?.id, registered.data?.me?.id, JSON.stringify(elsewhere));
    } finally {
      await second.stop();
    }
  });

  it('refuses a hash that does not match the query', async () => {
    const token = await newUser();
    const mismatch = await fetch(settings.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { id } }', extensions: persisted }),
    });
    assert.equal(mismatch.status, 400);
  });
});

describe('a gateway in safelist mode', () => {
  const listed = 'query ListedMe { me { id email } }';
  let gateway: ExtraGateway;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voltstream-safelist-'));
    const manifest = join(dir, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [{ id: sha256(listed), name: 'ListedMe', type: 'query', body: listed }],
      }),
    );
    gateway = await startGateway({
      GRAPHQL_MODE: 'production',
      PERSISTED_QUERIES: 'safelist',
      PERSISTED_QUERIES_MANIFEST: manifest,
    });
  });
  after(async () => {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a registered operation by its text or by its hash alone', async () => {
    const token = await newUser();
    const byText = await graphql<{ me: { id: string } }>(gateway.url, listed, {}, { token });
    assert.equal(byText.errors.length, 0, JSON.stringify(byText.errors));
    const byHash = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(listed) } } }),
    });
    const body = (await byHash.json()) as { data?: { me?: { id: string } } };
    assert.equal(body.data?.me?.id, byText.data?.me.id);
  });

  it('refuses any other operation, and will not learn one through APQ', async () => {
    const token = await newUser();
    const other = await graphql(gateway.url, '{ me { id displayName } }', {}, { token });
    assert.equal(other.status, 403);
    assert.equal(other.errors[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_IN_LIST');

    const query = '{ me { roles } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const register = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, extensions }),
    });
    assert.equal(register.status, 403);
    const again = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ extensions }),
    });
    const refused = (await again.json()) as { errors?: { extensions?: { code?: string } }[] };
    assert.equal(refused.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
  });
});
