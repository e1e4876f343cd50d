import { InvoiceLineV1, InvoiceVoidedV1 } from '@voltstream/contracts';
import { Queryable } from '@voltstream/platform';
import { IssuedInvoiceFacts } from '../shared/graphql-views';

interface IssuedInvoiceRow {
  id: string;
  account_id: string;
  number: string;
  period_start: Date;
  period_end: Date;
  currency: string;
  lines: InvoiceLineV1[];
  total_minor: string;
  issued_at: Date;
  due_at: Date;
}

/** The SQL of voiding one invoice; each statement runs in the voider's transaction. */
export const creditNoteStore = {
  /** The invoice as it was issued: what the void answers with, and the lines it reverses. */
  async issuedInvoice(tx: Queryable, invoiceId: string): Promise<IssuedInvoiceFacts> {
    const [row] = await tx.query<IssuedInvoiceRow[]>(
      `SELECT id, account_id, number, period_start, period_end, currency, lines, total_minor, issued_at, due_at
       FROM invoices WHERE id = $1`,
      [invoiceId],
    );
    if (!row) throw new Error(`invoice ${invoiceId} vanished under its lock`);
    return {
      invoiceId: row.id,
      accountId: row.account_id,
      number: row.number,
      periodStart: row.period_start.toISOString(),
      periodEnd: row.period_end.toISOString(),
      currency: row.currency,
      lines: row.lines,
      totalMinor: Number(row.total_minor),
      issuedAt: row.issued_at.toISOString(),
      dueAt: row.due_at.toISOString(),
    };
  },

  /**
   * The year's next credit-note number, its row locked until the transaction ends: voids number
   * one at a time, and a rolled-back void leaves no gap.
   */
  async lockNextSequence(tx: Queryable, year: number): Promise<number> {
    await tx.query(
      'INSERT INTO credit_note_sequences (year, next_sequence) VALUES ($1, 1) ON CONFLICT (year) DO NOTHING',
      [year],
    );
    const [row] = await tx.query<{ next_sequence: number }[]>(
      'SELECT next_sequence FROM credit_note_sequences WHERE year = $1 FOR UPDATE',
      [year],
    );
    if (!row) throw new Error(`no credit-note sequence for ${year}`);
    return row.next_sequence;
  },

  /** The credit note, the year's next number taken, and the paid amount credited to the account. */
  async insert(
    tx: Queryable,
    voided: InvoiceVoidedV1,
    numbering: { year: number; sequence: number },
    voidedBy: string,
  ): Promise<void> {
    await tx.query('UPDATE credit_note_sequences SET next_sequence = next_sequence + 1 WHERE year = $1', [
      numbering.year,
    ]);
    await tx.query(
      `INSERT INTO credit_notes (id, invoice_id, account_id, year, sequence, number, currency, lines,
         total_minor, account_credit_minor, reason, voided_by, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        voided.creditNoteId,
        voided.invoiceId,
        voided.accountId,
        numbering.year,
        numbering.sequence,
        voided.creditNoteNumber,
        voided.currency,
        JSON.stringify(voided.lines),
        voided.totalMinor,
        voided.accountCreditMinor,
        voided.reason,
        voidedBy,
        voided.voidedAt,
      ],
    );
    await tx.query('UPDATE billing_accounts SET credit_minor = credit_minor + $2 WHERE id = $1', [
      voided.accountId,
      voided.accountCreditMinor,
    ]);
  },
};
