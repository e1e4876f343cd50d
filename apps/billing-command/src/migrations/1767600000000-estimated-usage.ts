import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Estimated usage (VEE): energy estimates the intervals a meter left without readings, and a real
 * reading that arrives later replaces its estimate. The ledger keeps the estimated part of each
 * hour apart, for the hour's own usage (`estimated_wh`, part of `wh`) and for usage that reached
 * an invoiced hour (`late_estimated_wh`, part of `late_wh`). A correction of an invoiced hour can
 * make `late_wh` and `late_estimated_wh` negative (the estimate taken back), so late usage is now
 * anything not 0.
 */
export class EstimatedUsage1767600000000 implements MigrationInterface {
  name = 'EstimatedUsage1767600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE usage_hourly
      ADD COLUMN estimated_wh bigint NOT NULL DEFAULT 0,
      ADD COLUMN late_estimated_wh bigint NOT NULL DEFAULT 0`);
    await db.query('DROP INDEX usage_late');
    await db.query(
      'CREATE INDEX usage_late ON usage_hourly (meter_id, hour_start) WHERE late_wh <> 0 OR late_estimated_wh <> 0',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX usage_late');
    await db.query('CREATE INDEX usage_late ON usage_hourly (meter_id, hour_start) WHERE late_wh > 0');
    await db.query('ALTER TABLE usage_hourly DROP COLUMN estimated_wh, DROP COLUMN late_estimated_wh');
  }
}
