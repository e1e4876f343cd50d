import { MigrationInterface, QueryRunner } from 'typeorm';

/** Voided invoices' credit notes, their gapless per-year number series, and account credit. */
export class CreditNotes1767400000000 implements MigrationInterface {
  name = 'CreditNotes1767400000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per UTC year, locked by whoever takes its next number: a rolled-back void gives its
    // number back, so the series has no gaps (as billing_accounts.next_invoice_sequence does).
    await db.query(`CREATE TABLE credit_note_sequences (
      year int PRIMARY KEY,
      next_sequence int NOT NULL
    )`);
    await db.query(`CREATE TABLE credit_notes (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL UNIQUE REFERENCES invoices (id),
      account_id uuid NOT NULL REFERENCES billing_accounts (id),
      year int NOT NULL,
      sequence int NOT NULL,
      number text NOT NULL UNIQUE,
      currency text NOT NULL,
      lines jsonb NOT NULL,
      total_minor bigint NOT NULL,
      account_credit_minor bigint NOT NULL,
      reason text NOT NULL,
      voided_by text NOT NULL,
      issued_at timestamptz NOT NULL,
      UNIQUE (year, sequence)
    )`);
    // What voided invoices had been paid: the customer's, not yet used by anything.
    await db.query('ALTER TABLE billing_accounts ADD COLUMN credit_minor bigint NOT NULL DEFAULT 0');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE billing_accounts DROP COLUMN credit_minor');
    await db.query('DROP TABLE credit_notes');
    await db.query('DROP TABLE credit_note_sequences');
  }
}
