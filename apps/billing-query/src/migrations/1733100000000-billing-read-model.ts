import { PROJECTION_POSITIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of billing-query, written by its projectors on the read primary. No foreign keys:
 * tariffs, accounts and invoices arrive on different partitions, in no guaranteed order.
 */
export class BillingReadModel1733100000000 implements MigrationInterface {
  name = 'BillingReadModel1733100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE tariffs (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      currency char(3) NOT NULL,
      standing_charge_per_day_minor bigint NOT NULL,
      rates jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      version int NOT NULL
    )`);
    await db.query('CREATE INDEX tariffs_listing ON tariffs (created_at, id)');
    await db.query(`CREATE TABLE accounts (
      id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      tariff_id uuid NOT NULL,
      invoice_prefix text NOT NULL,
      opened_at timestamptz NOT NULL,
      version int NOT NULL,
      -- Sum of its invoices' versions: rises with every change to them, the same on any replay.
      revision bigint NOT NULL DEFAULT 0
    )`);
    await db.query('CREATE INDEX accounts_owner ON accounts (owner_id, opened_at, id)');
    await db.query(`CREATE TABLE account_meters (
      account_id uuid NOT NULL,
      meter_id uuid NOT NULL,
      PRIMARY KEY (account_id, meter_id)
    )`);
    await db.query('CREATE INDEX account_meters_meter ON account_meters (meter_id)');
    await db.query(`CREATE TABLE invoices (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL,
      owner_id text NOT NULL,
      number text NOT NULL,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      currency char(3) NOT NULL,
      lines jsonb NOT NULL,
      total_minor bigint NOT NULL,
      succeeded_minor bigint NOT NULL,
      pending_minor bigint NOT NULL,
      amount_due_minor bigint NOT NULL,
      status text NOT NULL,
      issued_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      version int NOT NULL
    )`);
    // Keyset pages, newest first, with and without a status filter.
    await db.query('CREATE INDEX invoices_account_issued ON invoices (account_id, issued_at DESC, id DESC)');
    await db.query(
      'CREATE INDEX invoices_account_status_issued ON invoices (account_id, status, issued_at DESC, id DESC)',
    );
    await db.query(`CREATE TABLE payments (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL,
      account_id uuid NOT NULL,
      amount_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      status text NOT NULL,
      failure_reason text,
      created_at timestamptz NOT NULL,
      settled_at timestamptz
    )`);
    await db.query('CREATE INDEX payments_invoice ON payments (invoice_id, created_at, id)');
    // Owners' names for invoice PDFs, from identity.UserRegistered.
    await db.query(`CREATE TABLE users (
      id text PRIMARY KEY,
      email text NOT NULL,
      display_name text NOT NULL,
      registered_at timestamptz NOT NULL
    )`);
    await db.query(PROJECTION_POSITIONS_DDL);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'projection_positions',
      'users',
      'payments',
      'invoices',
      'account_meters',
      'accounts',
      'tariffs',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
