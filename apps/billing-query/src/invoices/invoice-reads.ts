import { InvoiceLineV1, InvoiceStatus, PaymentStatus } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';
import { money } from '../shared/money';
import { InvoiceConnection, InvoiceLineView, InvoiceView, PaymentView } from '../shared/views';
import { decodeInvoiceCursor, keysetPage } from './invoice-cursor';

interface InvoiceRow {
  id: string;
  account_id: string;
  owner_id: string;
  number: string;
  period_start: Date;
  period_end: Date;
  currency: string;
  lines?: InvoiceLineV1[];
  total_minor: string;
  amount_due_minor: string;
  status: InvoiceStatus;
  issued_at: Date;
  due_at: Date;
  version: number;
}

/** Everything but the lines, which can be thousands: a page leaves them to the `lines` field. */
const SUMMARY_COLUMNS = `id, account_id, owner_id, number, period_start, period_end, currency,
  total_minor, amount_due_minor, status, issued_at, due_at, version`;

export const lineView = (line: InvoiceLineV1, currency: string): InvoiceLineView => ({
  description: line.description,
  quantityKwh: line.quantityWh === null ? null : line.quantityWh / 1000,
  amount: money(line.amountMinor, currency),
  // Lines stored before estimated usage was billed have no flag: they priced measured usage.
  estimated: line.estimated === true,
});

const toView = (row: InvoiceRow): InvoiceView => ({
  id: row.id,
  accountId: row.account_id,
  ownerId: row.owner_id,
  number: row.number,
  periodStart: row.period_start,
  periodEnd: row.period_end,
  currency: row.currency,
  ...(row.lines ? { lines: row.lines.map((line) => lineView(line, row.currency)) } : {}),
  total: money(Number(row.total_minor), row.currency),
  amountDue: money(Number(row.amount_due_minor), row.currency),
  status: row.status,
  issuedAt: row.issued_at,
  dueAt: row.due_at,
  version: row.version,
});

/** Whole invoices, lines included. */
export async function findInvoices(db: Queryable, ids: readonly string[]): Promise<InvoiceView[]> {
  const rows = await db.query<InvoiceRow[]>(
    `SELECT ${SUMMARY_COLUMNS}, lines FROM invoices WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return rows.map(toView);
}

export async function linesOf(
  db: Queryable,
  ids: readonly string[],
): Promise<Map<string, InvoiceLineView[]>> {
  const rows = await db.query<{ id: string; currency: string; lines: InvoiceLineV1[] }[]>(
    'SELECT id, currency, lines FROM invoices WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.lines.map((line) => lineView(line, row.currency))]));
}

export interface InvoicePageArgs {
  size: number;
  after?: string | null;
  status?: InvoiceStatus | null;
}

/** One page of an account's invoices, newest first, by keyset on (issuedAt, id). */
export async function invoicePage(
  db: Queryable,
  accountId: string,
  args: InvoicePageArgs,
): Promise<InvoiceConnection> {
  const after = args.after ? decodeInvoiceCursor(args.after) : null;
  const params: unknown[] = [accountId, args.size + 1];
  const where = ['account_id = $1'];
  if (args.status) where.push(`status = $${params.push(args.status)}`);
  if (after) {
    const at = params.push(after.issuedAt.toISOString());
    const id = params.push(after.id);
    where.push(`(issued_at, id) < ($${at}::timestamptz, $${id}::uuid)`);
  }
  const rows = await db.query<InvoiceRow[]>(
    `SELECT ${SUMMARY_COLUMNS} FROM invoices WHERE ${where.join(' AND ')}
     ORDER BY issued_at DESC, id DESC LIMIT $2`,
    params,
  );
  return keysetPage(rows.map(toView), args.size);
}

interface PaymentRow {
  id: string;
  invoice_id: string;
  owner_id: string;
  amount_minor: string;
  currency: string;
  status: PaymentStatus;
  failure_reason: string | null;
  created_at: Date;
}

const SELECT_PAYMENTS = `SELECT p.id, p.invoice_id, i.owner_id, p.amount_minor, p.currency, p.status,
  p.failure_reason, p.created_at FROM payments p JOIN invoices i ON i.id = p.invoice_id`;

const toPayment = (row: PaymentRow): PaymentView => ({
  id: row.id,
  invoiceId: row.invoice_id,
  ownerId: row.owner_id,
  amount: money(Number(row.amount_minor), row.currency),
  status: row.status,
  failureReason: row.failure_reason,
  createdAt: row.created_at,
});

/** Payments of each invoice, oldest first. */
export async function paymentsOf(
  db: Queryable,
  invoiceIds: readonly string[],
): Promise<Map<string, PaymentView[]>> {
  const rows = await db.query<PaymentRow[]>(
    `${SELECT_PAYMENTS} WHERE p.invoice_id = ANY($1::uuid[]) ORDER BY p.created_at, p.id`,
    [invoiceIds],
  );
  const byInvoice = new Map<string, PaymentView[]>();
  for (const row of rows) {
    const list = byInvoice.get(row.invoice_id) ?? [];
    list.push(toPayment(row));
    byInvoice.set(row.invoice_id, list);
  }
  return byInvoice;
}

export async function findPayments(db: Queryable, ids: readonly string[]): Promise<PaymentView[]> {
  const rows = await db.query<PaymentRow[]>(`${SELECT_PAYMENTS} WHERE p.id = ANY($1::uuid[])`, [ids]);
  return rows.map(toPayment);
}
