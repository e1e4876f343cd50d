import { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-in attempts counted where the credentials live: per account and per client address. */
export class LoginAttempts1764700000000 implements MigrationInterface {
  name = 'LoginAttempts1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE login_attempts (
      key text PRIMARY KEY,
      attempts integer NOT NULL,
      window_ends_at timestamptz NOT NULL
    )`);
    await db.query('CREATE INDEX login_attempts_window ON login_attempts (window_ends_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE login_attempts');
  }
}
