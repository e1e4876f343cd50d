import { Meter } from '@voltstream/energy';
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

  async setVersion(tx: Queryable, meterId: string, version: number): Promise<void> {
    await tx.query('UPDATE meters SET version = $2 WHERE id = $1', [meterId, version]);
  },

  /** Already-stored readings at these instants: epoch ms → Wh. */
  async readingsAt(tx: Queryable, meterId: string, instants: readonly Date[]): Promise<Map<number, number>> {
    const rows = await tx.query<{ at: Date; wh: string }[]>(
      'SELECT at, wh FROM readings WHERE meter_id = $1 AND at = ANY($2::timestamptz[])',
      [meterId, instants.map((at) => at.toISOString())],
    );
    return new Map(rows.map((row) => [row.at.getTime(), Number(row.wh)]));
  },

  async insertReadings(
    tx: Queryable,
    meterId: string,
    readings: readonly { at: Date; wh: number }[],
  ): Promise<void> {
    await tx.query(
      `INSERT INTO readings (meter_id, at, wh)
       SELECT $1, at, wh FROM unnest($2::timestamptz[], $3::bigint[]) AS r(at, wh)`,
      [meterId, readings.map((r) => r.at.toISOString()), readings.map((r) => r.wh)],
    );
  },
};
