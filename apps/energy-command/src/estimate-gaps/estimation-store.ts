import { EstimationPolicy, EstimationState, Reading, StoredInterval } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

interface EstimationRow {
  id: string;
  version: number;
  interval_minutes: number;
  first_measured_at: Date;
  last_measured_at: Date;
  vee_checked_through: Date | null;
}

export interface MeterToEstimate extends EstimationState {
  id: string;
  version: number;
}

/** SQL of the estimator (energy-command's write model). Every function takes the caller's transaction. */
export const estimationStore = {
  /**
   * Meters with at least one interval due: their cursor (or first measured reading) is a whole
   * interval behind min(last measured + trailing cap, now − grace). The furthest behind first.
   * Reads meter rows only, never readings.
   */
  async metersDue(db: Queryable, now: Date, policy: EstimationPolicy, limit: number): Promise<string[]> {
    const rows = await db.query<{ id: string }[]>(
      `SELECT id FROM meters
       WHERE last_measured_at IS NOT NULL
         AND COALESCE(vee_checked_through, first_measured_at) + make_interval(mins => interval_minutes)
           <= LEAST(last_measured_at + make_interval(secs => $2::float8 / 1000), $1::timestamptz - make_interval(secs => $3::float8 / 1000))
       ORDER BY COALESCE(vee_checked_through, first_measured_at)
       LIMIT $4`,
      [now.toISOString(), policy.maxTrailingMs, policy.graceMs, limit],
    );
    return rows.map((row) => row.id);
  },

  /**
   * Locks the meter row, the lock recordReadings takes, or returns null at once when a writer or
   * another estimator holds it (the next pass comes back to it).
   */
  async lock(tx: Queryable, meterId: string): Promise<MeterToEstimate | null> {
    const rows = await tx.query<EstimationRow[]>(
      `SELECT id, version, interval_minutes, first_measured_at, last_measured_at, vee_checked_through
       FROM meters WHERE id = $1 AND last_measured_at IS NOT NULL FOR UPDATE SKIP LOCKED`,
      [meterId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      version: row.version,
      intervalMinutes: row.interval_minutes,
      firstMeasuredAt: row.first_measured_at,
      lastMeasuredAt: row.last_measured_at,
      checkedThrough: row.vee_checked_through,
    };
  },

  /** Everything stored in (after, through], measured and estimated: epoch ms → value. */
  async readingsBetween(
    tx: Queryable,
    meterId: string,
    after: Date,
    through: Date,
  ): Promise<Map<number, StoredInterval>> {
    const rows = await tx.query<{ at: Date; wh: string; estimated: boolean }[]>(
      'SELECT at, wh, estimated FROM readings WHERE meter_id = $1 AND at > $2 AND at <= $3',
      [meterId, after.toISOString(), through.toISOString()],
    );
    return new Map(rows.map((row) => [row.at.getTime(), { wh: Number(row.wh), estimated: row.estimated }]));
  },

  /** A plain INSERT: under the meter lock no reading can exist there, and if one did it must fail loudly. */
  async insertEstimates(tx: Queryable, meterId: string, estimates: readonly Reading[]): Promise<void> {
    await tx.query(
      `INSERT INTO readings (meter_id, at, wh, estimated)
       SELECT $1, at, wh, true FROM unnest($2::timestamptz[], $3::bigint[]) AS r(at, wh)`,
      [meterId, estimates.map((r) => r.at.toISOString()), estimates.map((r) => r.wh)],
    );
  },

  async progressed(tx: Queryable, meterId: string, version: number, checkedThrough: Date): Promise<void> {
    await tx.query('UPDATE meters SET version = $2, vee_checked_through = $3 WHERE id = $1', [
      meterId,
      version,
      checkedThrough.toISOString(),
    ]);
  },
};
