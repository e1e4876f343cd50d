import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credit notes of voided invoices (written with the invoice's VOID status in one transaction), and
 * the account credit later invoices used.
 */
export class CreditNotes1767400000000 implements MigrationInterface {
  name = 'CreditNotes1767400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE credit_notes (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL UNIQUE,
      account_id uuid NOT NULL,
      owner_id text NOT NULL,
      number text NOT NULL,
      currency char(3) NOT NULL,
      lines jsonb NOT NULL,
      total_minor bigint NOT NULL,
      account_credit_minor bigint NOT NULL,
      reason text NOT NULL,
      issued_at timestamptz NOT NULL
    )`);
    // Keyset pages of an account's credit notes, newest first.
    await db.query(
      'CREATE INDEX credit_notes_account_issued ON credit_notes (account_id, issued_at DESC, id DESC)',
    );
    // Account credit a new invoice used: an account's credit is its credit notes' less these.
    await db.query(`CREATE TABLE credit_applications (
      invoice_id uuid PRIMARY KEY,
      account_id uuid NOT NULL,
      amount_minor bigint NOT NULL
    )`);
    await db.query('CREATE INDEX credit_applications_account ON credit_applications (account_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE credit_applications');
    await db.query('DROP TABLE credit_notes');
  }
}
