import { Queryable, waitForReadModel } from '@voltstream/platform';

export interface MeterView {
  id: string;
  ownerId: string;
  serialNumber: string;
  timezone: string;
  intervalMinutes: number;
  createdAt: Date;
  /** The read model's version of this meter when it was read; later reads must not go below it. */
  version: number;
  latestReading: { at: Date; kwh: number } | null;
}

interface MeterRow {
  id: string;
  owner_id: string;
  serial_number: string;
  timezone: string;
  interval_minutes: number;
  created_at: Date;
  version: number;
  latest_at: Date | null;
  latest_wh: string | null;
}

const toView = (row: MeterRow): MeterView => ({
  id: row.id,
  ownerId: row.owner_id,
  serialNumber: row.serial_number,
  timezone: row.timezone,
  intervalMinutes: row.interval_minutes,
  createdAt: row.created_at,
  version: row.version,
  latestReading: row.latest_at ? { at: row.latest_at, kwh: Number(row.latest_wh) / 1000 } : null,
});

/** The meters of these ids that exist, in one query. */
export async function findMeters(
  db: Queryable,
  meterIds: readonly string[],
): Promise<Map<string, MeterView>> {
  const rows = await db.query<MeterRow[]>('SELECT * FROM meters WHERE id = ANY($1::uuid[])', [meterIds]);
  return new Map(rows.map((row) => [row.id, toView(row)]));
}

export async function metersOwnedBy(db: Queryable, ownerId: string, limit: number): Promise<MeterView[]> {
  const rows = await db.query<MeterRow[]>(
    'SELECT * FROM meters WHERE owner_id = $1 ORDER BY created_at, id LIMIT $2',
    [ownerId, limit],
  );
  return rows.map(toView);
}

/**
 * Waits until the read model shows the meter at `version` or later, polling the same database
 * the caller will read next; fails with CONSISTENCY_TIMEOUT after `timeoutMs`.
 */
export async function waitForMeterVersion(
  db: Queryable,
  meterId: string,
  version: number,
  timeoutMs: number,
): Promise<void> {
  await waitForReadModel(async () => {
    const rows = await db.query<{ version: number }[]>('SELECT version FROM meters WHERE id = $1', [meterId]);
    return (rows[0]?.version ?? 0) >= version;
  }, timeoutMs);
}
