import { AcceptedReading, Meter, StoredInterval } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

interface MeterRow {
  id: string;
  owner_id: string;
  serial_number: string;
  timezone: string;
  interval_minutes: number;
  version: number;
  created_at: Date;
}

export interface StoredMeter extends Meter {
  createdAt: Date;
}

const toMeter = (row: MeterRow): StoredMeter => ({
  id: row.id,
  ownerId: row.owner_id,
  serialNumber: row.serial_number,
  timezone: row.timezone,
  intervalMinutes: row.interval_minutes,
  version: row.version,
  createdAt: row.created_at,
});

/** SQL of the write model. Every function takes the caller's transaction. */
export const meterStore = {
  /** Locks the meter row: writes to one meter, and so its outbox rows, are serialised. */
  async lock(tx: Queryable, meterId: string): Promise<StoredMeter | null> {
    const rows = await tx.query<MeterRow[]>('SELECT * FROM meters WHERE id = $1 FOR UPDATE', [meterId]);
    return rows[0] ? toMeter(rows[0]) : null;
  },

  async find(db: Queryable, meterId: string): Promise<StoredMeter | null> {
    const rows = await db.query<MeterRow[]>('SELECT * FROM meters WHERE id = $1', [meterId]);
    return rows[0] ? toMeter(rows[0]) : null;
  },

  /** Inserts unless the serial number is taken; returns false when it is. */
  async insert(tx: Queryable, meter: StoredMeter): Promise<boolean> {
    const rows = await tx.query<{ id: string }[]>(
      `INSERT INTO meters (id, owner_id, serial_number, timezone, interval_minutes, version, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (serial_number) DO NOTHING RETURNING id`,
      [
        meter.id,
        meter.ownerId,
        meter.serialNumber,
        meter.timezone,
        meter.intervalMinutes,
        meter.version,
        meter.createdAt,
      ],
    );
    return rows.length === 1;
  },

  /**
   * After an accepted batch: the new version, the measured range, and the estimator's cursor
   * moved back to the batch's first reading when it lies behind it — readings there can make
   * later intervals estimable (their profile) or end a long outage (the trailing cap).
   * A cursor that is still null stays null: the first pass starts at the first measured reading.
   */
  async recorded(
    tx: Queryable,
    meterId: string,
    version: number,
    batch: readonly AcceptedReading[],
  ): Promise<void> {
    const instants = batch.map((r) => r.at.getTime());
    const first = new Date(Math.min(...instants)).toISOString();
    const last = new Date(Math.max(...instants)).toISOString();
    await tx.query(
      `UPDATE meters SET version = $2,
         first_measured_at = LEAST(first_measured_at, $3::timestamptz),
         last_measured_at = GREATEST(last_measured_at, $4::timestamptz),
         -- Not LEAST: it ignores nulls, and a null cursor must stay null.
         vee_checked_through = CASE WHEN vee_checked_through > $3::timestamptz
           THEN $3::timestamptz ELSE vee_checked_through END
       WHERE id = $1`,
      [meterId, version, first, last],
    );
  },

  /** What is stored at these instants (epoch ms → value), estimates marked. */
  async readingsAt(
    tx: Queryable,
    meterId: string,
    instants: readonly Date[],
  ): Promise<Map<number, StoredInterval>> {
    const rows = await tx.query<{ at: Date; wh: string; estimated: boolean }[]>(
      'SELECT at, wh, estimated FROM readings WHERE meter_id = $1 AND at = ANY($2::timestamptz[])',
      [meterId, instants.map((at) => at.toISOString())],
    );
    return new Map(rows.map((row) => [row.at.getTime(), { wh: Number(row.wh), estimated: row.estimated }]));
  },

  /** Stores measured readings; one for an estimated interval replaces the estimate. */
  async insertReadings(tx: Queryable, meterId: string, readings: readonly AcceptedReading[]): Promise<void> {
    await tx.query(
      `INSERT INTO readings (meter_id, at, wh)
       SELECT $1, at, wh FROM unnest($2::timestamptz[], $3::bigint[]) AS r(at, wh)
       ON CONFLICT (meter_id, at) DO UPDATE SET wh = EXCLUDED.wh, estimated = false
         WHERE readings.estimated`,
      [meterId, readings.map((r) => r.at.toISOString()), readings.map((r) => r.wh)],
    );
  },
};
