import { EventEnvelope } from '@voltstream/contracts';
import { databaseUrl, dataOf, graphql, GraphQLResponse, queryOnce, testSettings } from '@voltstream/testing';
import { randomBytes } from 'node:crypto';

/** energy-command as the gateway calls it, with customers registered through the gateway. */
const settings = testSettings();
export const energyCommandDb = databaseUrl(settings.databaseUrl, 'energy_command');

export async function newCustomer(): Promise<string> {
  const response = await graphql<{ register: { accessToken: string } }>(
    settings.gatewayUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken } }',
    {
      input: {
        email: `energy-${randomBytes(6).toString('hex')}@example.com`,
        password: 'a passphrase for tests',
        displayName: 'Energy customer',
      },
    },
  );
  return dataOf(response).register.accessToken;
}

/** One operation on energy-command's own subgraph endpoint. */
export const ask = <T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<GraphQLResponse<T>> =>
  graphql<T>(`${settings.serviceBaseUrl('energy-command')}/graphql`, query, variables, { token });

export async function registerMeter(token: string, intervalMinutes: number): Promise<string> {
  const response = await ask<{ registerMeter: { id: string } }>(
    'mutation($input: RegisterMeterInput!) { registerMeter(input: $input) { id } }',
    { input: { serialNumber: `SN-${randomBytes(6).toString('hex')}`, timezone: 'UTC', intervalMinutes } },
    token,
  );
  return dataOf(response).registerMeter.id;
}

export interface Receipt {
  accepted: number;
  duplicates: number;
  replacedEstimates: number;
}

export const recordReadings = (token: string, meterId: string, readings: { at: string; kwh: number }[]) =>
  ask<{ recordReadings: Receipt }>(
    `mutation($meterId: ID!, $readings: [ReadingInput!]!) {
      recordReadings(meterId: $meterId, readings: $readings) { accepted duplicates replacedEstimates }
    }`,
    { meterId, readings },
    token,
  );

export const codeOf = (response: GraphQLResponse<unknown>) => response.errors[0]?.extensions?.code;

/** The events of one meter in energy-command's outbox, oldest version first. */
export async function outboxEvents(meterId: string): Promise<EventEnvelope[]> {
  const rows = await queryOnce<{ envelope: EventEnvelope }>(
    energyCommandDb,
    `SELECT envelope FROM outbox WHERE message_key = $1 ORDER BY (envelope->>'aggregateVersion')::int, id`,
    [meterId],
  );
  return rows.map((row) => row.envelope);
}

/** The meter's stored readings: epoch ms → value, estimates marked. */
export async function storedReadings(
  meterId: string,
): Promise<Map<number, { wh: number; estimated: boolean }>> {
  const rows = await queryOnce<{ at: Date; wh: string; estimated: boolean }>(
    energyCommandDb,
    'SELECT at, wh, estimated FROM readings WHERE meter_id = $1',
    [meterId],
  );
  return new Map(rows.map((row) => [row.at.getTime(), { wh: Number(row.wh), estimated: row.estimated }]));
}
