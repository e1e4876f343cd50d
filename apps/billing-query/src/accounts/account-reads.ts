import { Queryable } from '@voltstream/platform';
import { money, MoneyView } from '../shared/money';
import { AccountView } from '../shared/views';

interface AccountRow {
  id: string;
  owner_id: string;
  tariff_id: string;
  opened_at: Date;
  version: number;
  revision: string;
  meter_ids: string[];
}

const SELECT_ACCOUNTS = `SELECT a.id, a.owner_id, a.tariff_id, a.opened_at, a.version, a.revision,
  ARRAY(SELECT meter_id::text FROM account_meters m WHERE m.account_id = a.id ORDER BY meter_id) AS meter_ids
  FROM accounts a`;

const toView = (row: AccountRow): AccountView => ({
  id: row.id,
  ownerId: row.owner_id,
  tariffId: row.tariff_id,
  meterIds: row.meter_ids,
  openedAt: row.opened_at,
  version: row.version,
  revision: Number(row.revision),
});

export async function findAccounts(db: Queryable, ids: readonly string[]): Promise<AccountView[]> {
  const rows = await db.query<AccountRow[]>(`${SELECT_ACCOUNTS} WHERE a.id = ANY($1::uuid[])`, [ids]);
  return rows.map(toView);
}

export async function accountsOwnedBy(db: Queryable, ownerId: string, limit: number): Promise<AccountView[]> {
  const rows = await db.query<AccountRow[]>(
    `${SELECT_ACCOUNTS} WHERE a.owner_id = $1 ORDER BY a.opened_at, a.id LIMIT $2`,
    [ownerId, limit],
  );
  return rows.map(toView);
}

/** The account each meter is billed on; a meter is on one account at most. */
export async function accountsOfMeters(
  db: Queryable,
  meterIds: readonly string[],
): Promise<Map<string, AccountView>> {
  const rows = await db.query<(AccountRow & { meter_id: string })[]>(
    `SELECT DISTINCT ON (am.meter_id) am.meter_id::text AS meter_id, x.*
     FROM account_meters am
     CROSS JOIN LATERAL (${SELECT_ACCOUNTS} WHERE a.id = am.account_id) x
     WHERE am.meter_id = ANY($1::uuid[])
     ORDER BY am.meter_id, x.opened_at DESC`,
    [meterIds],
  );
  return new Map(rows.map((row) => [row.meter_id, toView(row)]));
}

export async function revisionOf(db: Queryable, accountId: string): Promise<number> {
  const rows = await db.query<{ revision: string }[]>('SELECT revision::text FROM accounts WHERE id = $1', [
    accountId,
  ]);
  return Number(rows[0]?.revision ?? 0);
}

/**
 * What the account owes: the amount due of its invoices that are not void, less the credit that
 * voided invoices' payments left on it and later invoices have not used yet; below zero when the
 * account is in credit. In the tariff's
 * currency (an account's invoices are all in it, since its tariff never changes).
 */
export async function balanceOf(db: Queryable, accountId: string, currency: string): Promise<MoneyView> {
  const [row] = await db.query<{ balance: string }[]>(
    // An invoice with a negative total (corrections outweighing the rest) has nothing due and
    // left its negated total to the account as credit, which credit_applications then spend.
    `SELECT ((SELECT coalesce(sum(amount_due_minor + least(total_minor, 0)), 0) FROM invoices
               WHERE account_id = $1 AND status <> 'VOID' AND currency = $2)
           - (SELECT coalesce(sum(account_credit_minor), 0) FROM credit_notes
               WHERE account_id = $1 AND currency = $2)
           + (SELECT coalesce(sum(amount_minor), 0) FROM credit_applications WHERE account_id = $1))::text AS balance`,
    [accountId, currency],
  );
  return money(Number(row?.balance ?? 0), currency);
}
