import { databaseUrl, dataOf, graphql, GraphQLResponse, queryOnce, testSettings } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';

/** The energy slice of the public API, as a client of the gateway sends it. */
const settings = testSettings();

const PASSWORD = 'a passphrase for tests';

/** Registers a new customer through the gateway and returns their access token. */
export async function newUser(): Promise<string> {
  return (await registerUser()).accessToken;
}

async function registerUser(): Promise<{ accessToken: string; email: string }> {
  const email = `user-${randomBytes(6).toString('hex')}@example.com`;
  const response = await graphql<{ register: { accessToken: string } }>(
    settings.gatewayUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
    { input: { email, password: PASSWORD, displayName: 'Test customer' } },
  );
  return { accessToken: dataOf(response).register.accessToken, email };
}

/** A new ADMIN: registered, promoted the way an operator does it, then signed in again. */
export async function newAdmin(): Promise<string> {
  const { email } = await registerUser();
  await queryOnce(
    databaseUrl(settings.databaseUrl, 'identity'),
    `UPDATE users SET roles = array_append(roles, 'ADMIN') WHERE email = $1`,
    [email],
  );
  const response = await graphql<{ login: { accessToken: string } }>(
    settings.gatewayUrl,
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: PASSWORD },
  );
  return dataOf(response).login.accessToken;
}

export async function registerMeter(
  token: string,
  timezone = 'Europe/London',
): Promise<{ id: string; consistencyToken: string }> {
  const response = await graphql<{ registerMeter: { id: string; consistencyToken: string } }>(
    settings.gatewayUrl,
    `
      mutation ($input: RegisterMeterInput!) {
        registerMeter(input: $input) {
          id
          consistencyToken
        }
      }
    `,
    { input: { serialNumber: `SN-${randomBytes(6).toString('hex')}`, timezone } },
    { token },
  );
  return dataOf(response).registerMeter;
}

export interface ReadingsReceipt {
  accepted: number;
  duplicates: number;
  consistencyToken: string;
}

export function recordReadings(
  token: string | undefined,
  meterId: string,
  readings: { at: string; kwh: number }[],
): Promise<GraphQLResponse<{ recordReadings: ReadingsReceipt }>> {
  return graphql(
    settings.gatewayUrl,
    `
      mutation ($meterId: ID!, $readings: [ReadingInput!]!) {
        recordReadings(meterId: $meterId, readings: $readings) {
          accepted
          duplicates
          consistencyToken
        }
      }
    `,
    { meterId, readings },
    { token },
  );
}

export interface ConsumptionResult {
  meter: {
    id: string;
    latestReading: { at: string; kwh: number } | null;
    consumption: {
      totalKwh: number;
      nodes: { start: string; end: string; kwh: number; readings: number }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

export function readConsumption(
  token: string,
  meterId: string,
  args: {
    from: string;
    to: string;
    granularity: string;
    consistency?: string;
    first?: number;
    after?: string;
  },
): Promise<GraphQLResponse<ConsumptionResult>> {
  return graphql(
    settings.gatewayUrl,
    `
      query (
        $id: ID!
        $consistency: String
        $from: DateTime!
        $to: DateTime!
        $granularity: Granularity!
        $first: Int
        $after: String
      ) {
        meter(id: $id, consistency: $consistency) {
          id
          latestReading {
            at
            kwh
          }
          consumption(from: $from, to: $to, granularity: $granularity, first: $first, after: $after) {
            totalKwh
            nodes {
              start
              end
              kwh
              readings
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
    `,
    { id: meterId, ...args },
    { token },
  );
}

/** `count` quarter-hour readings ending after `fromIso`, with energy that varies by the Wh. */
export function quarterHourReadings(fromIso: string, count: number, seed = 1): { at: string; kwh: number }[] {
  const first = Date.parse(fromIso);
  return Array.from({ length: count }, (_, i) => ({
    at: new Date(first + (i + 1) * 900_000).toISOString(),
    kwh: (((i + 1) * seed * 37) % 900) / 1000,
  }));
}

export const totalWh = (readings: { kwh: number }[]): number =>
  readings.reduce((sum, r) => sum + Math.round(r.kwh * 1000), 0);

/** Readiness of one service, with its details. */
export async function readinessOf(
  service: string,
): Promise<{ status: number; body: { details: Record<string, Record<string, unknown>> } }> {
  const response = await fetch(`${settings.serviceBaseUrl(service)}/health/ready`);
  return {
    status: response.status,
    body: (await response.json()) as { details: Record<string, Record<string, unknown>> },
  };
}

export { settings };
