import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Meter data quality (VEE): an interval's row says whether it is estimated and which flags its
 * measured reading carries (a bit set: 1 frozen, 2 spike); the rollups count estimated energy and
 * intervals, and flags, so `dataQuality` and `complete` are answered from them. The meter keeps
 * the spike baseline it last computed (a cache, see docs/design.md). Rows from before this
 * migration stay measured and unflagged; a rebuild flags the history.
 */
export class DataQuality1767600000000 implements MigrationInterface {
  name = 'DataQuality1767600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE readings
      ADD COLUMN estimated boolean NOT NULL DEFAULT false,
      ADD COLUMN flags smallint NOT NULL DEFAULT 0`);
    for (const table of ['consumption_hourly', 'consumption_daily']) {
      await db.query(`ALTER TABLE ${table}
        ADD COLUMN estimated_wh bigint NOT NULL DEFAULT 0,
        ADD COLUMN estimated int NOT NULL DEFAULT 0,
        ADD COLUMN frozen int NOT NULL DEFAULT 0,
        ADD COLUMN spikes int NOT NULL DEFAULT 0,
        ADD COLUMN flagged int NOT NULL DEFAULT 0`);
    }
    await db.query(`ALTER TABLE meters
      ADD COLUMN spike_day date,
      ADD COLUMN spike_p99_wh bigint,
      ADD COLUMN spike_sample int`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      'ALTER TABLE meters DROP COLUMN spike_day, DROP COLUMN spike_p99_wh, DROP COLUMN spike_sample',
    );
    for (const table of ['consumption_hourly', 'consumption_daily']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN estimated_wh, DROP COLUMN estimated,
        DROP COLUMN frozen, DROP COLUMN spikes, DROP COLUMN flagged`);
    }
    await db.query('ALTER TABLE readings DROP COLUMN estimated, DROP COLUMN flags');
  }
}
