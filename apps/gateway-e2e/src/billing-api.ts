import { dataOf, databaseUrl, eventually, graphql } from '@voltstream/testing';
import { settings } from './energy-api';

/** billing-command's database, for what the tests check or arrange below the API. */
export const BILLING_DB = () => databaseUrl(settings.databaseUrl, 'billing_command');

/** The last whole calendar month (UTC) before now, as the scheduler bills it. */
export function lastClosedMonth(now = new Date()): { start: Date; end: Date } {
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { start: new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1)), end };
}

/** A one-rate tariff (the ADMIN's): `pricePerKwhMinor` all day, `standingChargePerDayMinor` a day. */
export async function createFlatTariff(
  admin: string,
  name: string,
  prices: { standingChargePerDayMinor: number; pricePerKwhMinor: number },
): Promise<string> {
  const response = await graphql<{ createTariff: { id: string } }>(
    settings.gatewayUrl,
    'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
    {
      input: {
        name,
        currency: 'EUR',
        standingChargePerDayMinor: prices.standingChargePerDayMinor,
        rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: prices.pricePerKwhMinor }],
      },
    },
    { token: admin },
  );
  return dataOf(response).createTariff.id;
}

/**
 * Opens the customer's billing account for one meter, once billing knows the meter: it learns
 * meters from energy.events, so one registered a moment ago may still be unknown (NOT_FOUND).
 */
export async function openAccountWhenMeterKnown(
  customer: string,
  tariffId: string,
  meterId: string,
): Promise<string> {
  const opened = await eventually(
    async () => {
      const response = await graphql<{ openBillingAccount: { id: string } }>(
        settings.gatewayUrl,
        'mutation($input: OpenBillingAccountInput!) { openBillingAccount(input: $input) { id } }',
        { input: { tariffId, meterIds: [meterId] } },
        { token: customer },
      );
      return response.errors[0]?.extensions?.code === 'NOT_FOUND' ? undefined : response;
    },
    60_000,
    `billing to know meter ${meterId}`,
  );
  return dataOf(opened).openBillingAccount.id;
}
