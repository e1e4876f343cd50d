import { MigrationInterface, QueryRunner } from 'typeorm';

/** What LOWER_CONSUMPTION_MONTH needs from energy.events: meters and their energy per local month. */
export class EnergyFacts1767400000000 implements MigrationInterface {
  name = 'EnergyFacts1767400000000';

  async up(db: QueryRunner): Promise<void> {
    // Meters as MeterRegistered tells them; `version` is the last applied event of the meter, so
    // a redelivered or replayed event adds nothing. `latest_month` closes the months before it.
    await db.query(`CREATE TABLE energy_meters (
      meter_id uuid PRIMARY KEY,
      owner_id text NOT NULL,
      timezone text NOT NULL,
      interval_minutes int NOT NULL,
      version int NOT NULL,
      latest_month text CHECK (latest_month ~ '^\\d{4}-\\d{2}$')
    )`);
    await db.query('CREATE INDEX energy_meters_owner ON energy_meters (owner_id)');
    await db.query(`CREATE TABLE energy_meter_months (
      meter_id uuid NOT NULL REFERENCES energy_meters (meter_id),
      month text NOT NULL CHECK (month ~ '^\\d{4}-\\d{2}$'),
      wh bigint NOT NULL,
      PRIMARY KEY (meter_id, month)
    )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE IF EXISTS energy_meter_months');
    await db.query('DROP TABLE IF EXISTS energy_meters');
  }
}
