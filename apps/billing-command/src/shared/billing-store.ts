import { TariffCreatedV1 } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';
import { groupBy } from './group-by';

export interface AccountRow {
  id: string;
  ownerId: string;
  tariffId: string;
  invoicePrefix: string;
  nextInvoiceSequence: number;
  /** What voided invoices' payments left to the account, not used by an invoice yet. */
  creditMinor: number;
  openedAt: Date;
}

export interface AccountMeterRow {
  meterId: string;
  serialNumber: string;
  timezone: string;
  billedFrom: Date;
}

/** The SQL the handlers share; each runs inside the caller's transaction. */
export const billingStore = {
  async tariff(db: Queryable, id: string): Promise<TariffCreatedV1 | null> {
    return (await billingStore.tariffs(db, [id])).get(id) ?? null;
  },

  /** Tariffs by id (a tariff never changes once created). */
  async tariffs(db: Queryable, ids: readonly string[]): Promise<Map<string, TariffCreatedV1>> {
    const rows = await db.query<
      {
        id: string;
        name: string;
        currency: string;
        standing: string;
        rates: TariffCreatedV1['rates'];
        created_at: Date;
      }[]
    >(
      `SELECT id, name, currency, standing_charge_per_day_minor AS standing, rates, created_at
       FROM tariffs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          tariffId: row.id,
          name: row.name,
          currency: row.currency,
          standingChargePerDayMinor: Number(row.standing),
          rates: row.rates,
          createdAt: row.created_at.toISOString(),
        },
      ]),
    );
  },

  /** Locks the account: invoice numbers and periods of one account are decided one at a time. */
  async lockAccount(db: Queryable, id: string): Promise<AccountRow | null> {
    return (await billingStore.lockAccounts(db, [id]))[0] ?? null;
  },

  /** Locks the accounts that exist among `ids`, in id order (every issuer locks in that order). */
  async lockAccounts(db: Queryable, ids: readonly string[]): Promise<AccountRow[]> {
    const rows = await db.query<
      {
        id: string;
        owner_id: string;
        tariff_id: string;
        invoice_prefix: string;
        next_invoice_sequence: number;
        credit_minor: string;
        opened_at: Date;
      }[]
    >('SELECT * FROM billing_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
    return rows.map((row) => ({
      id: row.id,
      ownerId: row.owner_id,
      tariffId: row.tariff_id,
      invoicePrefix: row.invoice_prefix,
      nextInvoiceSequence: row.next_invoice_sequence,
      creditMinor: Number(row.credit_minor),
      openedAt: row.opened_at,
    }));
  },

  async accountMeters(db: Queryable, accountId: string): Promise<AccountMeterRow[]> {
    return (await billingStore.metersOfAccounts(db, [accountId])).get(accountId) ?? [];
  },

  /** Each account's meters, by serial number. */
  async metersOfAccounts(
    db: Queryable,
    accountIds: readonly string[],
  ): Promise<Map<string, AccountMeterRow[]>> {
    const rows = await db.query<
      { account_id: string; meter_id: string; serial_number: string; timezone: string; billed_from: Date }[]
    >(
      `SELECT am.account_id, am.meter_id, m.serial_number, m.timezone, am.billed_from
       FROM account_meters am JOIN billing_meters m USING (meter_id)
       WHERE am.account_id = ANY($1::uuid[]) ORDER BY am.account_id, m.serial_number`,
      [accountIds],
    );
    return groupBy(
      rows,
      (row) => row.account_id,
      (row) => ({
        meterId: row.meter_id,
        serialNumber: row.serial_number,
        timezone: row.timezone,
        billedFrom: row.billed_from,
      }),
    );
  },
};
