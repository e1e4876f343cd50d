import {
  AccountCreditAppliedV1,
  BillingAccountOpenedV1,
  InvoiceLineV1,
  InvoiceStatus,
  InvoiceVoidedV1,
  PaymentStatus,
  TariffCreatedV1,
} from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';

/** An invoice as the projector tracks it; `lines` only on one issued in the current batch. */
export interface InvoiceState {
  invoiceId: string;
  accountId: string;
  ownerId: string;
  number: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  lines?: InvoiceLineV1[];
  totalMinor: number;
  succeededMinor: number;
  pendingMinor: number;
  amountDueMinor: number;
  status: InvoiceStatus;
  issuedAt: string;
  dueAt: string;
  version: number;
}

export interface PaymentState {
  paymentId: string;
  invoiceId: string;
  accountId: string;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  failureReason: string | null;
  createdAt: string;
  settledAt: string | null;
}

/** Versions of the aggregates of one table that the read model already holds, locked. */
export async function loadVersions(
  tx: Queryable,
  table: 'tariffs' | 'accounts',
  ids: readonly string[],
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<{ id: string; version: number }[]>(
    `SELECT id, version FROM ${table} WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.version]));
}

interface InvoiceRow {
  id: string;
  account_id: string;
  owner_id: string;
  number: string;
  period_start: Date;
  period_end: Date;
  currency: string;
  total_minor: string;
  succeeded_minor: string;
  pending_minor: string;
  amount_due_minor: string;
  status: InvoiceStatus;
  issued_at: Date;
  due_at: Date;
  version: number;
}

/** The invoices already projected (without their lines, which payments never change), locked. */
export async function loadInvoices(
  tx: Queryable,
  ids: readonly string[],
): Promise<Map<string, InvoiceState>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.query<InvoiceRow[]>(
    `SELECT id, account_id, owner_id, number, period_start, period_end, currency, total_minor,
            succeeded_minor, pending_minor, amount_due_minor, status, issued_at, due_at, version
     FROM invoices WHERE id = ANY($1::uuid[]) FOR UPDATE`,
    [ids],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        invoiceId: row.id,
        accountId: row.account_id,
        ownerId: row.owner_id,
        number: row.number,
        periodStart: row.period_start.toISOString(),
        periodEnd: row.period_end.toISOString(),
        currency: row.currency,
        totalMinor: Number(row.total_minor),
        succeededMinor: Number(row.succeeded_minor),
        pendingMinor: Number(row.pending_minor),
        amountDueMinor: Number(row.amount_due_minor),
        status: row.status,
        issuedAt: row.issued_at.toISOString(),
        dueAt: row.due_at.toISOString(),
        version: row.version,
      },
    ]),
  );
}

export async function insertTariffs(tx: Queryable, tariffs: readonly TariffCreatedV1[]): Promise<void> {
  if (tariffs.length === 0) return;
  await tx.query(
    `INSERT INTO tariffs (id, name, currency, standing_charge_per_day_minor, rates, created_at, version)
     SELECT id, name, currency, standing, rates, created_at, 1
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[], $6::timestamptz[])
       AS t(id, name, currency, standing, rates, created_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      tariffs.map((t) => t.tariffId),
      tariffs.map((t) => t.name),
      tariffs.map((t) => t.currency),
      tariffs.map((t) => t.standingChargePerDayMinor),
      tariffs.map((t) => JSON.stringify(t.rates)),
      tariffs.map((t) => t.createdAt),
    ],
  );
}

export async function insertAccounts(
  tx: Queryable,
  accounts: readonly BillingAccountOpenedV1[],
): Promise<void> {
  if (accounts.length === 0) return;
  await tx.query(
    `INSERT INTO accounts (id, owner_id, tariff_id, invoice_prefix, opened_at, version)
     SELECT id, owner_id, tariff_id, prefix, opened_at, 1
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])
       AS a(id, owner_id, tariff_id, prefix, opened_at)
     ON CONFLICT (id) DO NOTHING`,
    [
      accounts.map((a) => a.accountId),
      accounts.map((a) => a.ownerId),
      accounts.map((a) => a.tariffId),
      accounts.map((a) => a.invoicePrefix),
      accounts.map((a) => a.openedAt),
    ],
  );
  const meters = accounts.flatMap((a) => a.meterIds.map((meterId) => [a.accountId, meterId] as const));
  await tx.query(
    `INSERT INTO account_meters (account_id, meter_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
    [meters.map(([accountId]) => accountId), meters.map(([, meterId]) => meterId)],
  );
}

export async function insertInvoices(tx: Queryable, invoices: readonly InvoiceState[]): Promise<void> {
  if (invoices.length === 0) return;
  await tx.query(
    `INSERT INTO invoices (id, account_id, owner_id, number, period_start, period_end, currency, lines,
       total_minor, succeeded_minor, pending_minor, amount_due_minor, status, issued_at, due_at, version)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[],
       $6::timestamptz[], $7::text[], $8::jsonb[], $9::bigint[], $10::bigint[], $11::bigint[],
       $12::bigint[], $13::text[], $14::timestamptz[], $15::timestamptz[], $16::int[])
     ON CONFLICT (id) DO NOTHING`,
    [
      invoices.map((i) => i.invoiceId),
      invoices.map((i) => i.accountId),
      invoices.map((i) => i.ownerId),
      invoices.map((i) => i.number),
      invoices.map((i) => i.periodStart),
      invoices.map((i) => i.periodEnd),
      invoices.map((i) => i.currency),
      invoices.map((i) => JSON.stringify(i.lines ?? [])),
      invoices.map((i) => i.totalMinor),
      invoices.map((i) => i.succeededMinor),
      invoices.map((i) => i.pendingMinor),
      invoices.map((i) => i.amountDueMinor),
      invoices.map((i) => i.status),
      invoices.map((i) => i.issuedAt),
      invoices.map((i) => i.dueAt),
      invoices.map((i) => i.version),
    ],
  );
}

/** What payments change on invoices the read model already holds; never moves a version back. */
export async function updateInvoices(tx: Queryable, invoices: readonly InvoiceState[]): Promise<void> {
  if (invoices.length === 0) return;
  await tx.query(
    `UPDATE invoices i SET succeeded_minor = v.succeeded, pending_minor = v.pending,
       amount_due_minor = v.due, status = v.status, version = v.version
     FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::int[])
       AS v(id, succeeded, pending, due, status, version)
     WHERE i.id = v.id AND i.version < v.version`,
    [
      invoices.map((i) => i.invoiceId),
      invoices.map((i) => i.succeededMinor),
      invoices.map((i) => i.pendingMinor),
      invoices.map((i) => i.amountDueMinor),
      invoices.map((i) => i.status),
      invoices.map((i) => i.version),
    ],
  );
}

/** A payment's request and its settlement may land in different batches: the settlement wins. */
export async function upsertPayments(tx: Queryable, payments: readonly PaymentState[]): Promise<void> {
  if (payments.length === 0) return;
  await tx.query(
    `INSERT INTO payments (id, invoice_id, account_id, amount_minor, currency, status, failure_reason,
       created_at, settled_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::text[],
       $7::text[], $8::timestamptz[], $9::timestamptz[])
     ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, failure_reason = EXCLUDED.failure_reason,
       settled_at = EXCLUDED.settled_at
     WHERE payments.status = 'PENDING'`,
    [
      payments.map((p) => p.paymentId),
      payments.map((p) => p.invoiceId),
      payments.map((p) => p.accountId),
      payments.map((p) => p.amountMinor),
      payments.map((p) => p.currency),
      payments.map((p) => p.status),
      payments.map((p) => p.failureReason),
      payments.map((p) => p.createdAt),
      payments.map((p) => p.settledAt),
    ],
  );
}

export async function insertCreditNotes(tx: Queryable, notes: readonly InvoiceVoidedV1[]): Promise<void> {
  if (notes.length === 0) return;
  await tx.query(
    `INSERT INTO credit_notes (id, account_id, invoice_id, owner_id, number, currency, lines, total_minor,
       account_credit_minor, reason, issued_at)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
       $8::bigint[], $9::bigint[], $10::text[], $11::timestamptz[])
     ON CONFLICT (id) DO NOTHING`,
    [
      notes.map((n) => n.creditNoteId),
      notes.map((n) => n.accountId),
      notes.map((n) => n.invoiceId),
      notes.map((n) => n.ownerId),
      notes.map((n) => n.creditNoteNumber),
      notes.map((n) => n.currency),
      notes.map((n) => JSON.stringify(n.lines)),
      notes.map((n) => n.totalMinor),
      notes.map((n) => n.accountCreditMinor),
      notes.map((n) => n.reason),
      notes.map((n) => n.voidedAt),
    ],
  );
}

export async function insertCreditApplications(
  tx: Queryable,
  applied: readonly AccountCreditAppliedV1[],
): Promise<void> {
  if (applied.length === 0) return;
  await tx.query(
    `INSERT INTO credit_applications (invoice_id, account_id, amount_minor)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) ON CONFLICT (invoice_id) DO NOTHING`,
    [applied.map((a) => a.invoiceId), applied.map((a) => a.accountId), applied.map((a) => a.amountMinor)],
  );
}

/**
 * An account's revision is the sum of its invoices' versions: it rises with every invoice change,
 * whichever of account and invoice arrived first, and a replay reaches the same number.
 */
export async function raiseRevisions(
  tx: Queryable,
  accountIds: readonly string[],
): Promise<Map<string, number>> {
  if (accountIds.length === 0) return new Map();
  // Partitions are projected concurrently: an account and its invoices may commit in two
  // transactions at once, each blind to the other's rows. A per-account lock (taken in one order)
  // makes the later one wait and then see the earlier one's commit, so the sum is never stale.
  await tx.query(
    `SELECT pg_advisory_xact_lock(k) FROM (
       SELECT hashtextextended(id::text, 7331) AS k FROM unnest($1::uuid[]) AS id ORDER BY 1) AS locks`,
    [accountIds],
  );
  // As a CTE, so the driver hands back the rows (TypeORM answers a bare UPDATE with [rows, count]).
  const rows = await tx.query<{ id: string; revision: string }[]>(
    `WITH raised AS (
       UPDATE accounts a SET revision = coalesce((SELECT sum(version) FROM invoices i WHERE i.account_id = a.id), 0)
       WHERE a.id = ANY($1::uuid[])
       RETURNING a.id, a.revision)
     SELECT id, revision::text AS revision FROM raised`,
    [accountIds],
  );
  return new Map(rows.map((row) => [row.id, Number(row.revision)]));
}

export async function tariffCount(tx: Queryable): Promise<number> {
  const [row] = await tx.query<{ n: string }[]>('SELECT count(*)::text AS n FROM tariffs');
  return Number(row?.n ?? 0);
}
