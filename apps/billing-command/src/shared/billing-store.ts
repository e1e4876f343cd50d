import { TariffCreatedV1 } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';

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
       FROM tariffs WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      tariffId: row.id,
      name: row.name,
      currency: row.currency,
      standingChargePerDayMinor: Number(row.standing),
      rates: row.rates,
      createdAt: row.created_at.toISOString(),
    };
  },

  /** Locks the account: invoice numbers and periods of one account are decided one at a time. */
  async lockAccount(db: Queryable, id: string): Promise<AccountRow | null> {
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
    >('SELECT * FROM billing_accounts WHERE id = $1 FOR UPDATE', [id]);
    const row = rows[0];
    return row
      ? {
          id: row.id,
          ownerId: row.owner_id,
          tariffId: row.tariff_id,
          invoicePrefix: row.invoice_prefix,
          nextInvoiceSequence: row.next_invoice_sequence,
          creditMinor: Number(row.credit_minor),
          openedAt: row.opened_at,
        }
      : null;
  },

  async accountMeters(db: Queryable, accountId: string): Promise<AccountMeterRow[]> {
    const rows = await db.query<
      { meter_id: string; serial_number: string; timezone: string; billed_from: Date }[]
    >(
      `SELECT am.meter_id, m.serial_number, m.timezone, am.billed_from
       FROM account_meters am JOIN billing_meters m USING (meter_id)
       WHERE am.account_id = $1 ORDER BY m.serial_number`,
      [accountId],
    );
    return rows.map((row) => ({
      meterId: row.meter_id,
      serialNumber: row.serial_number,
      timezone: row.timezone,
      billedFrom: row.billed_from,
    }));
  },
};
