import { PROJECTION_POSITIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Read models of energy-query, written by its projector on the read primary. */
export class ReadModel1732300000000 implements MigrationInterface {
  name = 'ReadModel1732300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE meters (
      id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      serial_number text NOT NULL,
      timezone text NOT NULL,
      interval_minutes int NOT NULL,
      created_at timestamptz NOT NULL,
      version int NOT NULL,
      latest_at timestamptz,
      latest_wh bigint
    )`);
    await db.query('CREATE INDEX meters_owner ON meters (owner_id, created_at)');
    await db.query(`CREATE TABLE readings (
      meter_id uuid NOT NULL,
      at timestamptz NOT NULL,
      wh bigint NOT NULL,
      PRIMARY KEY (meter_id, at)
    )`);
    await db.query(`CREATE TABLE consumption_hourly (
      meter_id uuid NOT NULL,
      bucket_start timestamptz NOT NULL,
      bucket_end timestamptz NOT NULL,
      wh bigint NOT NULL,
      readings int NOT NULL,
      PRIMARY KEY (meter_id, bucket_start)
    )`);
    await db.query(`CREATE TABLE consumption_daily (
      meter_id uuid NOT NULL,
      local_date date NOT NULL,
      bucket_start timestamptz NOT NULL,
      bucket_end timestamptz NOT NULL,
      wh bigint NOT NULL,
      readings int NOT NULL,
      PRIMARY KEY (meter_id, local_date)
    )`);
    await db.query('CREATE INDEX consumption_daily_start ON consumption_daily (meter_id, bucket_start)');
    await db.query(PROJECTION_POSITIONS_DDL);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'projection_positions',
      'consumption_daily',
      'consumption_hourly',
      'readings',
      'meters',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
