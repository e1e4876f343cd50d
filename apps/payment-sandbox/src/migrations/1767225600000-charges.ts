import { MigrationInterface, QueryRunner } from 'typeorm';

export class Charges1767225600000 implements MigrationInterface {
  name = 'Charges1767225600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE charges (
      id text PRIMARY KEY,
      idempotency_key text NOT NULL UNIQUE,
      request_fingerprint text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency text NOT NULL,
      reference text NOT NULL,
      description text,
      webhook_url text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
      failure_reason text,
      settle_at timestamptz NOT NULL,
      settled_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query('CREATE INDEX charges_reference ON charges (reference, created_at)');
    await db.query(`CREATE INDEX charges_due ON charges (settle_at) WHERE status = 'pending'`);
    // One row per event: the body is stored once, so every retry sends the same bytes.
    await db.query(`CREATE TABLE webhook_deliveries (
      event_id text PRIMARY KEY,
      charge_id text NOT NULL REFERENCES charges (id),
      event_type text NOT NULL,
      url text NOT NULL,
      body text NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'abandoned')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      last_status integer,
      last_error text,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      UNIQUE (charge_id, event_type)
    )`);
    await db.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE webhook_deliveries');
    await db.query('DROP TABLE charges');
  }
}
