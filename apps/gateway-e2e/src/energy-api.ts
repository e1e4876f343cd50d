import { dataOf, graphql, GraphQLResponse, testSettings } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';

/** The energy slice of the public API, as a client of the gateway sends it. */
const settings = testSettings();

export const newUserId = (): string => `user-${randomBytes(5).toString('hex')}`;

export async function registerMeter(
  userId: string,
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
    { userId },
  );
  return dataOf(response).registerMeter;
}

export interface ReadingsReceipt {
  accepted: number;
  duplicates: number;
  consistencyToken: string;
}

export function recordReadings(
  userId: string | undefined,
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
    { userId },
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
  userId: string,
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
    { userId },
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
