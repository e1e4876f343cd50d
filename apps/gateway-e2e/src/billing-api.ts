import { databaseUrl, dataOf, eventually, graphql, queryOnce } from '@voltstream/testing';
import { settings } from './energy-api';

/** Billing through the gateway, as the billing e2e specs drive it. */
export const BILLING_DB = () => databaseUrl(settings.databaseUrl, 'billing_command');
export const DAY_MS = 86_400_000;

/** Night 00–07 at 10/kWh, day 07–24 at 31/kWh, 50 a day standing charge. */
export const TARIFF = {
  name: 'Two-rate test',
  currency: 'EUR',
  standingChargePerDayMinor: 50,
  rates: [
    { fromHour: 0, toHour: 7, pricePerKwhMinor: 10 },
    { fromHour: 7, toHour: 24, pricePerKwhMinor: 31 },
  ],
};

export async function gql<T>(query: string, variables: Record<string, unknown>, token: string) {
  return graphql<T>(settings.gatewayUrl, query, variables, { token });
}

export async function createTariff(admin: string): Promise<string> {
  const response = await gql<{ createTariff: { id: string } }>(
    'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id name rates { fromHour toHour pricePerKwh { amountMinor } } } }',
    { input: TARIFF },
    admin,
  );
  return dataOf(response).createTariff.id;
}

export async function openAccount(token: string, tariffId: string, meterIds: string[]) {
  return gql<{ openBillingAccount: { id: string; meters: { id: string }[]; consistencyToken: string } }>(
    'mutation($input: OpenBillingAccountInput!) { openBillingAccount(input: $input) { id meters { id } consistencyToken } }',
    { input: { tariffId, meterIds } },
    token,
  );
}

export interface IssuedInvoice {
  id: string;
  number: string;
  status: string;
  total: { amountMinor: number; amount: string };
  lines: {
    description: string;
    quantityKwh: number | null;
    amount: { amountMinor: number };
    estimated: boolean;
  }[];
}

export function issueInvoice(admin: string, accountId: string, start: Date, end: Date) {
  return gql<{ issueInvoice: IssuedInvoice & { consistencyToken: string } }>(
    `mutation($a: ID!, $s: DateTime!, $e: DateTime!) { issueInvoice(accountId: $a, periodStart: $s, periodEnd: $e) {
       id number status total { amountMinor amount } lines { description quantityKwh amount { amountMinor } estimated } consistencyToken } }`,
    { a: accountId, s: start.toISOString(), e: end.toISOString() },
    admin,
  );
}

export function payInvoice(token: string, invoiceId: string, amountMinor: number, key: string) {
  return gql<{
    payInvoice: { id: string; status: string; amount: { amountMinor: number }; consistencyToken: string };
  }>(
    `mutation($i: ID!, $m: MoneyInput!, $k: String!) { payInvoice(invoiceId: $i, amount: $m, idempotencyKey: $k) {
       id status amount { amountMinor currency } consistencyToken } }`,
    { i: invoiceId, m: { amountMinor, currency: 'EUR' }, k: key },
    token,
  );
}

/** Waits until billing's usage ledger holds `wh` for the meter. */
export async function ledgerReaches(meterId: string, wh: number): Promise<void> {
  await eventually(
    async () => {
      const [row] = await queryOnce<{ wh: string | null }>(
        BILLING_DB(),
        'SELECT sum(wh + late_wh)::text AS wh FROM usage_hourly WHERE meter_id = $1',
        [meterId],
      );
      return Number(row?.wh ?? 0) === wh ? true : undefined;
    },
    30_000,
    `billing's usage ledger reaching ${wh} Wh for meter ${meterId}`,
  );
}

export async function paymentRows(invoiceId: string) {
  return queryOnce<{ id: string; status: string; amount_minor: string }>(
    BILLING_DB(),
    'SELECT id, status, amount_minor::text FROM payments WHERE invoice_id = $1',
    [invoiceId],
  );
}

/** A whole UTC day three days back: London is on UTC in winter, and in summer the test still holds by hour. */
export function pastDay(daysBack: number): Date {
  return new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - daysBack * DAY_MS);
}

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
  const response = await gql<{ createTariff: { id: string } }>(
    'mutation($input: CreateTariffInput!) { createTariff(input: $input) { id } }',
    {
      input: {
        name,
        currency: 'EUR',
        standingChargePerDayMinor: prices.standingChargePerDayMinor,
        rates: [{ fromHour: 0, toHour: 24, pricePerKwhMinor: prices.pricePerKwhMinor }],
      },
    },
    admin,
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
      const response = await openAccount(customer, tariffId, [meterId]);
      return response.errors[0]?.extensions?.code === 'NOT_FOUND' ? undefined : response;
    },
    60_000,
    `billing to know meter ${meterId}`,
  );
  return dataOf(opened).openBillingAccount.id;
}
