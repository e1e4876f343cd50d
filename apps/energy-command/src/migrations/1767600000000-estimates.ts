import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Meter data quality (VEE): the write side stores the estimates it makes beside the measured
 * readings, flagged, and keeps per meter where its estimator stands, so that a pass reads only
 * the meters with intervals due and, for each, only the readings after where it stopped.
 */
export class Estimates1767600000000 implements MigrationInterface {
  name = 'Estimates1767600000000';

  async up(db: QueryRunner): Promise<void> {
    // A constant default: Postgres adds the column without rewriting the table.
    await db.query('ALTER TABLE readings ADD COLUMN estimated boolean NOT NULL DEFAULT false');
    // first/last measured bound the intervals that can be gaps; vee_checked_through is the
    // estimator's cursor (every interval ending at or before it was examined), moved back by a
    // batch of readings that lands behind it (a late profile reading, a correction, a backfill).
    await db.query(`ALTER TABLE meters
      ADD COLUMN first_measured_at timestamptz,
      ADD COLUMN last_measured_at timestamptz,
      ADD COLUMN vee_checked_through timestamptz`);
    // Existing meters start estimating from their last reading, or two days back for one that
    // stopped earlier: history from before this release is not estimated after the fact (it may
    // be invoiced already), while a meter that stopped since yesterday still has its gap filled.
    await db.query(`UPDATE meters m SET first_measured_at = r.first, last_measured_at = r.last,
        vee_checked_through = GREATEST(r.last, now() - interval '2 days')
      FROM (SELECT meter_id, min(at) AS first, max(at) AS last FROM readings GROUP BY meter_id) r
      WHERE r.meter_id = m.id`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DELETE FROM readings WHERE estimated');
    await db.query('ALTER TABLE readings DROP COLUMN estimated');
    await db.query(`ALTER TABLE meters
      DROP COLUMN first_measured_at, DROP COLUMN last_measured_at, DROP COLUMN vee_checked_through`);
  }
}
