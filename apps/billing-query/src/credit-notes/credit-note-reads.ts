import { CreditNoteLineV1 } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';
import { CREDIT_NOTES, decodeInvoiceCursor, keysetPage } from '../invoices/invoice-cursor';
import { lineView } from '../invoices/invoice-reads';
import { money } from '../shared/money';
import { CreditNoteConnection, CreditNoteView } from '../shared/views';

interface CreditNoteRow {
  id: string;
  invoice_id: string;
  account_id: string;
  owner_id: string;
  number: string;
  currency: string;
  lines: CreditNoteLineV1[];
  total_minor: string;
  account_credit_minor: string;
  reason: string;
  issued_at: Date;
}

const SELECT_CREDIT_NOTES = `SELECT id, invoice_id, account_id, owner_id, number, currency, lines, total_minor,
  account_credit_minor, reason, issued_at FROM credit_notes`;

const toView = (row: CreditNoteRow): CreditNoteView => ({
  id: row.id,
  invoiceId: row.invoice_id,
  accountId: row.account_id,
  ownerId: row.owner_id,
  number: row.number,
  reason: row.reason,
  lines: row.lines.map((line) => lineView(line, row.currency)),
  total: money(Number(row.total_minor), row.currency),
  accountCredit: money(Number(row.account_credit_minor), row.currency),
  issuedAt: row.issued_at,
});

export async function findCreditNotes(db: Queryable, ids: readonly string[]): Promise<CreditNoteView[]> {
  const rows = await db.query<CreditNoteRow[]>(`${SELECT_CREDIT_NOTES} WHERE id = ANY($1::uuid[])`, [ids]);
  return rows.map(toView);
}

/** The credit note of each voided invoice (an invoice is voided once, so it has one at most). */
export async function creditNotesOfInvoices(
  db: Queryable,
  invoiceIds: readonly string[],
): Promise<Map<string, CreditNoteView>> {
  const rows = await db.query<CreditNoteRow[]>(`${SELECT_CREDIT_NOTES} WHERE invoice_id = ANY($1::uuid[])`, [
    invoiceIds,
  ]);
  return new Map(rows.map((row) => [row.invoice_id, toView(row)]));
}

/** One page of an account's credit notes, newest first, by keyset on (issuedAt, id). */
export async function creditNotePage(
  db: Queryable,
  accountId: string,
  args: { size: number; after?: string | null },
): Promise<CreditNoteConnection> {
  const after = args.after ? decodeInvoiceCursor(args.after, 'after', CREDIT_NOTES) : null;
  const params: unknown[] = [accountId, args.size + 1];
  let where = 'account_id = $1';
  if (after) {
    where += ` AND (issued_at, id) < ($${params.push(after.issuedAt.toISOString())}::timestamptz, $${params.push(after.id)}::uuid)`;
  }
  const rows = await db.query<CreditNoteRow[]>(
    `${SELECT_CREDIT_NOTES} WHERE ${where} ORDER BY issued_at DESC, id DESC LIMIT $2`,
    params,
  );
  return keysetPage(rows.map(toView), args.size, CREDIT_NOTES);
}
