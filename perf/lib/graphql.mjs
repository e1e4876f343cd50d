// A minimal GraphQL client for setup steps and for work the harness times itself.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export class GraphQLError extends Error {
  constructor(message, errors, status) {
    super(message);
    this.errors = errors;
    this.status = status;
    this.code = errors?.[0]?.extensions?.code;
  }
}

/** Headers of a signed-in client: identity's access token as a bearer token. */
export const userHeaders = (token) => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/**
 * Registers a customer of the run's own (`perf-<runId>-<random>@example.com`, one per suite)
 * through the gateway and returns its access token (15 minutes: longer than any suite).
 */
export async function signUp(url, runId) {
  const email = `perf-${runId}-${randomBytes(4).toString('hex')}@example.com`;
  const data = await gql(url, {
    query: 'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
    variables: {
      input: {
        email,
        password: `perf-${runId}-passphrase`,
        displayName: 'Perf run',
      },
    },
  });
  return data.register.accessToken;
}

/**
 * POSTs one operation; returns `data`, or throws GraphQLError naming the first error's code.
 * `body` may be passed pre-serialised (large batches are built once).
 */
export async function gql(url, { query, variables, body, token, timeoutMs = 30_000 }) {
  const response = await fetch(url, {
    method: 'POST',
    headers: userHeaders(token),
    body: body ?? JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GraphQLError(`HTTP ${response.status}: ${text.slice(0, 200)}`, undefined, response.status);
  }
  if (json.errors?.length) {
    const first = json.errors[0];
    const code = first.extensions?.code ? ` [${first.extensions.code}]` : '';
    throw new GraphQLError(`${first.message}${code}`, json.errors, response.status);
  }
  if (!response.ok)
    throw new GraphQLError(`HTTP ${response.status}: ${text.slice(0, 200)}`, undefined, response.status);
  return json.data;
}

/** Fails with a clear instruction when the gateway does not answer a trivial query. */
export async function checkGateway(url) {
  try {
    const data = await gql(url, { query: '{ __typename }', timeoutMs: 5000 });
    if (data?.__typename !== 'Query') throw new Error(`unexpected answer ${JSON.stringify(data)}`);
  } catch (error) {
    const reason = error.cause?.code ?? error.message;
    throw new Error(
      `the gateway at ${url} does not answer (${reason}).\n` +
        '  Start the local stack first with `npm start` (about 40 s), then run `npm run perf` again.',
    );
  }
}

export const REGISTER_METER = `mutation Register($input: RegisterMeterInput!) {
  registerMeter(input: $input) { id consistencyToken }
}`;

export const RECORD_READINGS = `mutation Record($m: ID!, $r: [ReadingInput!]!) {
  recordReadings(meterId: $m, readings: $r) { accepted duplicates consistencyToken }
}`;

export async function registerMeter(url, token, serialNumber, timezone = 'Europe/London') {
  const data = await gql(url, {
    query: REGISTER_METER,
    variables: { input: { serialNumber, timezone, intervalMinutes: 15 } },
    token,
  });
  return data.registerMeter;
}

/** Body of a recordReadings call, serialised once. */
export const recordReadingsBody = (meterId, readings) =>
  JSON.stringify({ query: RECORD_READINGS, variables: { m: meterId, r: readings } });

/** The aggregate version a consistency token names (`ct1.<base64url "Meter|id|version">`). */
export function tokenVersion(token) {
  const [, body] = token.split('.');
  const version = Number(Buffer.from(body, 'base64url').toString('utf8').split('|')[2]);
  if (!Number.isSafeInteger(version)) throw new Error(`cannot read a version from token ${token}`);
  return version;
}

/**
 * Waits until the read model shows the write a token names: a query carrying the token waits
 * up to the service's CONSISTENCY_WAIT_MS, and is repeated on CONSISTENCY_TIMEOUT.
 */
export async function waitForToken(url, accessToken, meterId, consistencyToken, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const data = await gql(url, {
        query:
          'query($m: ID!, $t: String) { meter(id: $m, consistency: $t) { id latestReading { at kwh } } }',
        variables: { m: meterId, t: consistencyToken },
        token: accessToken,
      });
      return data.meter;
    } catch (error) {
      if (!/CONSISTENCY/i.test(error.code ?? error.message) || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}
