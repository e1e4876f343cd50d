import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { dataOf, graphql } from '@voltstream/testing';
import { newUser, settings } from './energy-api';

const PAYLOAD = 'accessToken refreshToken expiresIn user { id email displayName roles }';
interface Payload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; displayName: string; roles: string[] };
}

const gql = <T>(
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) => graphql<T>(settings.gatewayUrl, query, variables, { headers });
const me = (accessToken: string) =>
  gql<{ me: { id: string; email: string } | null }>(
    '{ me { id email } }',
    {},
    { authorization: `Bearer ${accessToken}` },
  );
const refresh = (refreshToken: string) =>
  gql<{ refreshToken: Payload }>(`mutation($t: String!) { refreshToken(refreshToken: $t) { ${PAYLOAD} } }`, {
    t: refreshToken,
  });

describe('identity through the gateway', () => {
  const email = `Someone.${randomBytes(4).toString('hex')}@Example.com`;
  const password = 'a long enough passphrase';

  it('registers, logs in, answers me, refreshes and logs out', async () => {
    const registered = dataOf(
      await gql<{ register: Payload }>(
        `mutation($input: RegisterInput!) { register(input: $input) { ${PAYLOAD} } }`,
        {
          input: { email, password, displayName: 'Someone' },
        },
      ),
    ).register;
    assert.equal(registered.user.email, email.toLowerCase());
    assert.deepEqual(registered.user.roles, ['CUSTOMER']);
    assert.equal(registered.expiresIn, 900);

    const login = dataOf(
      await gql<{ login: Payload }>(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ${PAYLOAD} } }`,
        {
          e: email.toUpperCase(),
          p: password,
        },
      ),
    ).login;
    assert.deepEqual(dataOf(await me(login.accessToken)).me, {
      id: registered.user.id,
      email: email.toLowerCase(),
    });

    const rotated = dataOf(await refresh(login.refreshToken)).refreshToken;
    assert.notEqual(rotated.refreshToken, login.refreshToken);
    assert.equal(dataOf(await me(rotated.accessToken)).me?.id, registered.user.id);

    const logout = dataOf(
      await gql<{ logout: boolean }>('mutation($t: String!) { logout(refreshToken: $t) }', {
        t: rotated.refreshToken,
      }),
    );
    assert.equal(logout.logout, true);
    assert.equal(
      (await refresh(rotated.refreshToken)).errors[0]?.extensions?.code,
      'IDENTITY.INVALID_REFRESH_TOKEN',
    );
  });

  it('revokes the whole family when a refresh token is used twice', async () => {
    const login = dataOf(
      await gql<{ login: Payload }>(
        `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ${PAYLOAD} } }`,
        { e: email, p: password },
      ),
    ).login;
    const next = dataOf(await refresh(login.refreshToken)).refreshToken;
    assert.equal(
      (await refresh(login.refreshToken)).errors[0]?.extensions?.code,
      'IDENTITY.INVALID_REFRESH_TOKEN',
      'reuse is refused',
    );
    assert.equal(
      (await refresh(next.refreshToken)).errors[0]?.extensions?.code,
      'IDENTITY.INVALID_REFRESH_TOKEN',
      'and the family is revoked',
    );
  });

  it('refuses a duplicate email with CONFLICT, a wrong password, and a forged token', async () => {
    const again = await gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
      input: { email: ` ${email.toUpperCase()} `, password, displayName: 'Copy' },
    });
    assert.equal(again.errors[0]?.extensions?.code, 'CONFLICT');
    const wrong = await gql(
      `mutation { login(email: "${email}", password: "not the password") { accessToken } }`,
    );
    assert.equal(wrong.errors[0]?.extensions?.code, 'IDENTITY.INVALID_CREDENTIALS');
    const forged = await me('eyJhbGciOiJub25lIiwia2lkIjoieCJ9.eyJzdWIiOiJ4In0.');
    assert.equal(forged.errors[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(dataOf(await gql<{ me: null }>('{ me { id } }')).me, null);
  });

  it('publishes its public keys as a JWKS', async () => {
    const jwks = (await (
      await fetch(`${settings.serviceBaseUrl('identity')}/.well-known/jwks.json`)
    ).json()) as { keys: { alg: string; kty: string; crv: string }[] };
    assert.ok(jwks.keys.length >= 1);
    assert.deepEqual([jwks.keys[0].alg, jwks.keys[0].kty, jwks.keys[0].crv], ['ES256', 'EC', 'P-256']);
  });
});

describe('subgraphs trust no header', () => {
  it('refuses a forged user header sent straight to a subgraph, and serves a valid token there', async () => {
    const subgraph = `${settings.serviceBaseUrl('energy-query')}/graphql`;
    const forged = await graphql<{ myMeters: unknown[] }>(
      subgraph,
      '{ myMeters { id } }',
      {},
      { headers: { 'x-user-id': 'someone-else' } },
    );
    assert.equal(forged.errors[0]?.extensions?.code, 'UNAUTHENTICATED');
    const token = await newUser();
    assert.deepEqual(
      dataOf(await graphql<{ myMeters: unknown[] }>(subgraph, '{ myMeters { id } }', {}, { token })).myMeters,
      [],
    );
  });

  it('answers 401 UNAUTHENTICATED at the gateway for a token that does not verify', async () => {
    const response = await graphql(
      settings.gatewayUrl,
      '{ myMeters { id } }',
      {},
      { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln' },
    );
    assert.equal(response.status, 401);
    assert.equal(response.errors[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});

describe('login throttling', () => {
  const loginQuery = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }';

  it('refuses the 11th attempt on one account with 429, RATE_LIMITED and Retry-After', async () => {
    const email = `target.${randomBytes(4).toString('hex')}@example.com`;
    dataOf(
      await gql(`mutation($input: RegisterInput!) { register(input: $input) { accessToken } }`, {
        input: { email, password: 'the real passphrase', displayName: 'Target' },
      }),
    );
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const response = await gql(loginQuery, { e: email, p: `guess number ${attempt}` });
      assert.equal(
        response.errors[0]?.extensions?.code,
        'IDENTITY.INVALID_CREDENTIALS',
        `attempt ${attempt}`,
      );
    }
    const limited = await gql(loginQuery, { e: email, p: 'the real passphrase' });
    assert.equal(limited.status, 429);
    assert.equal(limited.errors[0]?.extensions?.code, 'RATE_LIMITED');
    const retryAfter = Number(limited.errors[0]?.extensions?.['retryAfterSeconds']);
    assert.ok(retryAfter > 0 && retryAfter <= 300);
    assert.equal(limited.headers.get('retry-after'), String(retryAfter));
  });

  it('counts aliased logins in one request one by one', async () => {
    const email = `aliased.${randomBytes(4).toString('hex')}@example.com`;
    const fields = Array.from(
      { length: 11 },
      (_, i) => `a${i}: login(email: $e, password: "guess ${i}") { accessToken }`,
    );
    const response = await gql(`mutation($e: String!) { ${fields.join(' ')} }`, { e: email });
    assert.equal(response.status, 429);
    assert.equal(response.errors[0]?.extensions?.code, 'RATE_LIMITED');
  });
});
