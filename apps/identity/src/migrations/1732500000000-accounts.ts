import { OUTBOX_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class Accounts1732500000000 implements MigrationInterface {
  name = 'Accounts1732500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE users (
      id uuid PRIMARY KEY,
      email text NOT NULL UNIQUE,
      display_name text NOT NULL,
      password_hash text NOT NULL,
      roles text[] NOT NULL,
      created_at timestamptz NOT NULL
    )`);
    // Only hashes of refresh tokens are kept: a leaked table grants no session.
    await db.query(`CREATE TABLE refresh_tokens (
      token_hash bytea PRIMARY KEY,
      family_id uuid NOT NULL,
      user_id uuid NOT NULL REFERENCES users (id),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await db.query('CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id)');
    await db.query(`CREATE TABLE signing_keys (
      kid text PRIMARY KEY,
      private_pem text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    for (const statement of OUTBOX_DDL) await db.query(statement);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'signing_keys', 'refresh_tokens', 'users'])
      await db.query(`DROP TABLE ${table}`);
  }
}
