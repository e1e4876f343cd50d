import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The usage ledger stops marking every billed hour. An hour an invoice covers is billed by that
 * invoice as its `wh` stood; usage that reaches such an hour afterwards goes to `late_wh`, which
 * the next invoice bills (and folds into `wh`). Issuing a month then writes nothing per hour,
 * only per late hour: a billing run's cost no longer grows with every hour of every meter.
 */
export class LateUsage1767500000000 implements MigrationInterface {
  name = 'LateUsage1767500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE usage_hourly ADD COLUMN late_wh bigint NOT NULL DEFAULT 0');
    // What an invoice covers but has not billed yet (invoiced_wh below wh) becomes late usage.
    await db.query(`UPDATE usage_hourly u SET late_wh = u.wh - u.invoiced_wh, wh = u.invoiced_wh
      WHERE u.wh > u.invoiced_wh AND EXISTS (
        SELECT 1 FROM account_meters am JOIN invoices i ON i.account_id = am.account_id
        WHERE am.meter_id = u.meter_id AND u.hour_start >= i.period_start AND u.hour_start < i.period_end)`);
    await db.query('DROP INDEX usage_unbilled');
    await db.query('ALTER TABLE usage_hourly DROP COLUMN invoiced_wh');
    await db.query('CREATE INDEX usage_late ON usage_hourly (meter_id, hour_start) WHERE late_wh > 0');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX usage_late');
    await db.query('ALTER TABLE usage_hourly ADD COLUMN invoiced_wh bigint NOT NULL DEFAULT 0');
    await db.query(`UPDATE usage_hourly u SET invoiced_wh = u.wh, wh = u.wh + u.late_wh
      WHERE EXISTS (
        SELECT 1 FROM account_meters am JOIN invoices i ON i.account_id = am.account_id
        WHERE am.meter_id = u.meter_id AND u.hour_start >= i.period_start AND u.hour_start < i.period_end)`);
    await db.query('ALTER TABLE usage_hourly DROP COLUMN late_wh');
    await db.query(
      'CREATE INDEX usage_unbilled ON usage_hourly (meter_id, hour_start) WHERE wh > invoiced_wh',
    );
  }
}
