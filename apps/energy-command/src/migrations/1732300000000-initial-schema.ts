import { OUTBOX_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1732300000000 implements MigrationInterface {
  name = 'InitialSchema1732300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE meters (
      id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      serial_number text NOT NULL UNIQUE,
      timezone text NOT NULL,
      interval_minutes int NOT NULL,
      version int NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    await db.query(`CREATE INDEX meters_owner ON meters (owner_id)`);
    // The write side keeps each reading too: it decides duplicates and conflicts per (meter, at).
    await db.query(`CREATE TABLE readings (
      meter_id uuid NOT NULL REFERENCES meters (id),
      at timestamptz NOT NULL,
      wh bigint NOT NULL,
      PRIMARY KEY (meter_id, at)
    )`);
    for (const statement of OUTBOX_DDL) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE outbox');
    await db.query('DROP TABLE readings');
    await db.query('DROP TABLE meters');
  }
}
