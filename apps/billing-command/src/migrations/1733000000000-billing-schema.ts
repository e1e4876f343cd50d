import { OUTBOX_DDL, PROJECTION_POSITIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** billing-command's own state: tariffs, accounts, invoices, payments and its usage ledger. */
export class BillingSchema1733000000000 implements MigrationInterface {
  name = 'BillingSchema1733000000000';

  async up(db: QueryRunner): Promise<void> {
    // Invoices of one account may not overlap in time: an exclusion constraint says so.
    await db.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
    // Meters as billing learns them from energy.events: billing never reads energy's tables.
    await db.query(`CREATE TABLE billing_meters (
      meter_id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      serial_number text NOT NULL,
      timezone text NOT NULL,
      interval_minutes int NOT NULL,
      version int NOT NULL
    )`);
    // The usage ledger: energy per meter and UTC hour, and how much of it an invoice has billed.
    // A late reading raises wh above invoiced_wh, and the next invoice bills exactly the rest.
    await db.query(`CREATE TABLE usage_hourly (
      meter_id uuid NOT NULL,
      hour_start timestamptz NOT NULL,
      wh bigint NOT NULL,
      invoiced_wh bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (meter_id, hour_start)
    )`);
    await db.query(
      'CREATE INDEX usage_unbilled ON usage_hourly (meter_id, hour_start) WHERE wh > invoiced_wh',
    );
    await db.query(`CREATE TABLE tariffs (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      currency text NOT NULL,
      standing_charge_per_day_minor bigint NOT NULL,
      rates jsonb NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    await db.query(`CREATE TABLE billing_accounts (
      id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      tariff_id uuid NOT NULL REFERENCES tariffs (id),
      invoice_prefix text NOT NULL,
      next_invoice_sequence int NOT NULL DEFAULT 1,
      opened_at timestamptz NOT NULL
    )`);
    await db.query('CREATE INDEX billing_accounts_owner ON billing_accounts (owner_id)');
    // A meter belongs to at most one account: the primary key is the meter.
    await db.query(`CREATE TABLE account_meters (
      meter_id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES billing_accounts (id),
      billed_from timestamptz NOT NULL
    )`);
    await db.query('CREATE INDEX account_meters_account ON account_meters (account_id)');
    await db.query(`CREATE TABLE invoices (
      id uuid PRIMARY KEY,
      account_id uuid NOT NULL REFERENCES billing_accounts (id),
      owner_id text NOT NULL,
      sequence int NOT NULL,
      number text NOT NULL UNIQUE,
      period_start timestamptz NOT NULL,
      period_end timestamptz NOT NULL,
      currency text NOT NULL,
      lines jsonb NOT NULL,
      total_minor bigint NOT NULL,
      succeeded_minor bigint NOT NULL DEFAULT 0,
      pending_minor bigint NOT NULL DEFAULT 0,
      status text NOT NULL,
      issued_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      version int NOT NULL,
      UNIQUE (account_id, sequence),
      CONSTRAINT invoices_no_overlap EXCLUDE USING gist (
        account_id WITH =, tstzrange(period_start, period_end) WITH &&)
    )`);
    await db.query(`CREATE TABLE payments (
      id uuid PRIMARY KEY,
      invoice_id uuid NOT NULL REFERENCES invoices (id),
      payer_id text NOT NULL,
      idempotency_key text NOT NULL,
      request_fingerprint text NOT NULL,
      amount_minor bigint NOT NULL,
      currency text NOT NULL,
      status text NOT NULL,
      failure_reason text,
      provider_charge_id text,
      created_at timestamptz NOT NULL,
      settled_at timestamptz,
      UNIQUE (payer_id, idempotency_key)
    )`);
    await db.query(`CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'PENDING'`);
    // Provider webhook events already handled: a replayed delivery changes nothing.
    await db.query(`CREATE TABLE webhook_events (
      id text PRIMARY KEY,
      received_at timestamptz NOT NULL
    )`);
    for (const statement of OUTBOX_DDL) await db.query(statement);
    await db.query(PROJECTION_POSITIONS_DDL);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'projection_positions',
      'outbox',
      'webhook_events',
      'payments',
      'invoices',
      'account_meters',
      'billing_accounts',
      'tariffs',
      'usage_hourly',
      'billing_meters',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
