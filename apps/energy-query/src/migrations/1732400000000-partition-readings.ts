import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Raw readings move to a table range-partitioned by month of `at`: old months can be detached
 * or archived whole, and a scan of one meter's interval readings touches one or two partitions.
 * The projector creates a month's partition the first time it writes into that month.
 */
export class PartitionReadings1732400000000 implements MigrationInterface {
  name = 'PartitionReadings1732400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE readings RENAME TO readings_unpartitioned');
    await db.query(`CREATE TABLE readings (
      meter_id uuid NOT NULL,
      at timestamptz NOT NULL,
      wh bigint NOT NULL,
      PRIMARY KEY (meter_id, at)
    ) PARTITION BY RANGE (at)`);
    const months = (await db.query(
      `SELECT DISTINCT to_char(date_trunc('month', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month FROM readings_unpartitioned`,
    )) as { month: string }[];
    for (const { month } of months) await db.query(monthPartitionDdl(month));
    await db.query('INSERT INTO readings SELECT meter_id, at, wh FROM readings_unpartitioned');
    await db.query('DROP TABLE readings_unpartitioned');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE readings RENAME TO readings_partitioned');
    await db.query(
      'CREATE TABLE readings (meter_id uuid NOT NULL, at timestamptz NOT NULL, wh bigint NOT NULL, PRIMARY KEY (meter_id, at))',
    );
    await db.query('INSERT INTO readings SELECT meter_id, at, wh FROM readings_partitioned');
    await db.query('DROP TABLE readings_partitioned');
  }
}

/** DDL of the partition for the UTC month starting on `monthStart` (`YYYY-MM-01`). */
export function monthPartitionDdl(monthStart: string): string {
  if (!/^\d{4}-\d{2}-01$/.test(monthStart)) throw new Error(`not a month start: ${monthStart}`);
  const [year, month] = monthStart.split('-').map(Number) as [number, number];
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
  return `CREATE TABLE IF NOT EXISTS ${monthPartitionName(monthStart)} PARTITION OF readings
          FOR VALUES FROM ('${monthStart} 00:00:00+00') TO ('${next} 00:00:00+00')`;
}

export function monthPartitionName(monthStart: string): string {
  const [year, month] = monthStart.split('-');
  return `readings_y${year}m${month}`;
}
