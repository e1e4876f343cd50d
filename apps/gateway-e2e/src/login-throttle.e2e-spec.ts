import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dataOf, graphql, GraphQLResponse, withStopped } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';
import { settings } from './energy-api';
import { ExtraGateway, startGateway } from './gateway-process';

const PASSWORD = 'the real passphrase';
const literal = (text: string) => JSON.stringify(text);
const login = (email: string, password: string) =>
  `login(email: ${literal(email)}, password: ${literal(password)}) { accessToken }`;

/** The same sign-in, written each way a document can hold it. */
const FORMS: Record<string, (email: string, password: string) => string> = {
  plain: (e, p) => `mutation { ${login(e, p)} }`,
  aliased: (e, p) => `mutation { attempt: ${login(e, p)} }`,
  'inline fragment': (e, p) => `mutation { ... on Mutation { ${login(e, p)} } }`,
  'named fragment': (e, p) =>
    `mutation { ...Outer } fragment Outer on Mutation { ...SignIn } fragment SignIn on Mutation { ${login(e, p)} }`,
};

/** A client address of the test's own, as a trusted load balancer (or the gateway) passes it. */
const newAddress = () => `10.${[...randomBytes(3)].join('.')}`;

async function newAccount(): Promise<string> {
  const email = `throttle.${randomBytes(5).toString('hex')}@example.com`;
  dataOf(
    await graphql(
      settings.gatewayUrl,
      'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
      {
        input: { email, password: PASSWORD, displayName: 'Target' },
      },
    ),
  );
  return email;
}

/**
 * Ten wrong passwords in `form`, each refused as wrong; then the right one, which must be
 * refused too, RATE_LIMITED: the throttle saw every attempt, however it was written.
 */
async function bruteForce(url: string, form: string, limit: number): Promise<GraphQLResponse<unknown>> {
  const email = await newAccount();
  const address = newAddress();
  const send = (password: string) =>
    graphql(url, FORMS[form](email, password), {}, { headers: { 'x-forwarded-for': address } });
  for (let attempt = 1; attempt <= limit; attempt += 1) {
    const wrong = await send(`guess number ${attempt}`);
    assert.equal(
      wrong.errors[0]?.extensions?.code,
      'IDENTITY.INVALID_CREDENTIALS',
      `${form}, attempt ${attempt}`,
    );
  }
  return send(PASSWORD);
}

function assertThrottled(response: GraphQLResponse<unknown>, what: string) {
  assert.equal(
    response.errors[0]?.extensions?.code,
    'RATE_LIMITED',
    `${what}: ${JSON.stringify(response.errors)}`,
  );
  assert.equal(
    response.data === null || Object.values(response.data as object).every((v) => v === null),
    true,
  );
  const wait = Number(response.errors[0]?.extensions?.['retryAfterSeconds']);
  assert.ok(wait >= 1 && wait <= 300, `${what}: retryAfterSeconds ${wait}`);
}

describe('the login throttle cannot be sidestepped', () => {
  let gateway: ExtraGateway;
  before(async () => {
    // The test plays the load balancer, so each case has a client address of its own.
    gateway = await startGateway({ TRUST_PROXY: 'loopback' });
  });
  after(() => gateway?.stop());

  for (const form of Object.keys(FORMS)) {
    it(`through the gateway: the 11th sign-in in ${form} form is refused, the right password too`, async () => {
      const response = await bruteForce(gateway.url, form, 10);
      assert.equal(response.status, 429);
      assertThrottled(response, form);
    });

    it(`straight at identity: the 11th sign-in in ${form} form is refused, the right password too`, async () => {
      assertThrottled(await bruteForce(`${settings.serviceBaseUrl('identity')}/graphql`, form, 10), form);
    });
  }

  it('identity limits one client address across accounts', async () => {
    const address = newAddress();
    const url = `${settings.serviceBaseUrl('identity')}/graphql`;
    const send = (query: string) => graphql(url, query, {}, { headers: { 'x-forwarded-for': address } });
    // 100 attempts per address in the window: ten accounts, ten wrong guesses each.
    for (let account = 0; account < 10; account += 1) {
      const email = `nobody.${randomBytes(5).toString('hex')}@example.com`;
      for (let guess = 0; guess < 10; guess += 1) {
        const wrong = await send(FORMS.plain(email, `guess ${guess}`));
        assert.equal(wrong.errors[0]?.extensions?.code, 'IDENTITY.INVALID_CREDENTIALS');
      }
    }
    assertThrottled(
      await send(FORMS.plain(await newAccount(), PASSWORD)),
      'the 101st attempt from one address',
    );
    const elsewhere = await graphql(
      url,
      FORMS.plain(await newAccount(), PASSWORD),
      {},
      {
        headers: { 'x-forwarded-for': newAddress() },
      },
    );
    assert.deepEqual(elsewhere.errors, [], 'another address signs in');
  });
});

describe('the gateway keeps throttling while Redis is down', () => {
  let gateway: ExtraGateway;
  before(async () => {
    // Lower than identity's limit, so what refuses the 4th attempt is the gateway's own count.
    gateway = await startGateway({ TRUST_PROXY: 'loopback', LOGIN_ATTEMPTS_PER_ACCOUNT: '3' });
  });
  after(() => gateway?.stop());

  it('counts sign-ins in the gateway process and refuses past the limit', async () => {
    const email = await newAccount();
    const address = newAddress();
    await withStopped('redis', async () => {
      const send = (password: string) =>
        graphql(
          gateway.url,
          FORMS['named fragment'](email, password),
          {},
          { headers: { 'x-forwarded-for': address } },
        );
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        const wrong = await send(`guess ${attempt}`);
        assert.equal(wrong.errors[0]?.extensions?.code, 'IDENTITY.INVALID_CREDENTIALS', `attempt ${attempt}`);
      }
      const limited = await send(PASSWORD);
      assert.equal(limited.status, 429);
      assertThrottled(limited, 'the 4th attempt with Redis down');
    });
  });
});
