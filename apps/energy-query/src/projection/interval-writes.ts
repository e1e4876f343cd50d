import { IntervalChange, NO_COUNTS, QualityFlags, Reading } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

/** A new measured reading with the flags decided for it. */
export type FlaggedReading = Reading & { flags: number };

export type ChangesByMeter = Map<string, IntervalChange[]>;

const flagCounts = (flags: number) => ({
  frozen: flags & QualityFlags.frozen ? 1 : 0,
  spikes: flags & QualityFlags.spike ? 1 : 0,
  flagged: flags !== 0 ? 1 : 0,
});

function add(changes: ChangesByMeter, meterId: string, change: IntervalChange): void {
  const list = changes.get(meterId) ?? [];
  list.push(change);
  changes.set(meterId, list);
}

/** Flattens per-meter rows into the columns `unnest` takes. */
function flatten<T>(rows: ReadonlyMap<string, readonly T[]>, pick: (row: T) => unknown[]): unknown[][] {
  const columns: unknown[][] = [[]];
  for (const [meterId, list] of rows) {
    for (const row of list) {
      const values = pick(row);
      columns[0].push(meterId);
      values.forEach((value, i) => (columns[i + 1] ??= []).push(value));
    }
  }
  return columns;
}

const hasRows = (rows: ReadonlyMap<string, readonly unknown[]>) =>
  [...rows.values()].some((l) => l.length > 0);

/** Stores estimated intervals that have no row yet; an interval already read or estimated stays. */
export async function insertEstimates(
  tx: Queryable,
  estimates: ReadonlyMap<string, Reading[]>,
  changes: ChangesByMeter,
): Promise<void> {
  if (!hasRows(estimates)) return;
  const rows = await tx.query<{ meter_id: string; at: Date; wh: string }[]>(
    `INSERT INTO readings (meter_id, at, wh, estimated)
     SELECT meter_id, at, wh, true FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS e(meter_id, at, wh)
     ON CONFLICT (meter_id, at) DO NOTHING
     RETURNING meter_id, at, wh`,
    flatten(estimates, (e) => [e.at.toISOString(), e.wh]),
  );
  for (const row of rows) {
    const wh = Number(row.wh);
    add(changes, row.meter_id, { ...NO_COUNTS, at: row.at, wh, estimatedWh: wh, estimated: 1 });
  }
}

/**
 * Turns estimated intervals into measured ones. The rollups move by the estimate the row held
 * (what they counted), which is the event's `replacesEstimateWh` in a consistent stream. Returns
 * the readings that found no estimate to replace, to be inserted as plain readings.
 */
export async function replaceEstimates(
  tx: Queryable,
  readings: ReadonlyMap<string, FlaggedReading[]>,
  changes: ChangesByMeter,
): Promise<{ replaced: Map<string, Reading[]>; unmatched: Map<string, FlaggedReading[]> }> {
  const replaced = new Map<string, Reading[]>();
  const unmatched = new Map<string, FlaggedReading[]>();
  if (!hasRows(readings)) return { replaced, unmatched };
  const rows = await tx.query<{ meter_id: string; at: Date; wh: string; old_wh: string; flags: number }[]>(
    // In a CTE: TypeORM answers a bare UPDATE with [rows, count], not rows.
    `WITH replaced AS (
       UPDATE readings r SET wh = x.wh, estimated = false, flags = x.flags
       FROM (SELECT o.meter_id, o.at, o.wh AS old_wh, v.wh, v.flags
             FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::smallint[]) AS v(meter_id, at, wh, flags)
             JOIN readings o ON o.meter_id = v.meter_id AND o.at = v.at AND o.estimated) AS x
       WHERE r.meter_id = x.meter_id AND r.at = x.at
       RETURNING r.meter_id, r.at, r.wh, x.old_wh, r.flags)
     SELECT * FROM replaced`,
    flatten(readings, (r) => [r.at.toISOString(), r.wh, r.flags]),
  );
  const found = new Set(rows.map((row) => `${row.meter_id}|${row.at.getTime()}`));
  for (const row of rows) {
    const wh = Number(row.wh);
    const estimate = Number(row.old_wh);
    const list = replaced.get(row.meter_id) ?? [];
    list.push({ at: row.at, wh });
    replaced.set(row.meter_id, list);
    add(changes, row.meter_id, {
      ...flagCounts(row.flags),
      at: row.at,
      wh: wh - estimate,
      estimatedWh: -estimate,
      readings: 1,
      estimated: -1,
    });
  }
  for (const [meterId, list] of readings) {
    const rest = list.filter((r) => !found.has(`${meterId}|${r.at.getTime()}`));
    if (rest.length > 0) unmatched.set(meterId, rest);
  }
  return { replaced, unmatched };
}

/** Inserts measured readings not yet present; returns those inserted, per meter. */
export async function insertReadings(
  tx: Queryable,
  readings: ReadonlyMap<string, FlaggedReading[]>,
  changes: ChangesByMeter,
): Promise<Map<string, Reading[]>> {
  const inserted = new Map<string, Reading[]>();
  if (!hasRows(readings)) return inserted;
  const rows = await tx.query<{ meter_id: string; at: Date; wh: string; flags: number }[]>(
    `INSERT INTO readings (meter_id, at, wh, flags)
     SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::smallint[])
     ON CONFLICT (meter_id, at) DO NOTHING
     RETURNING meter_id, at, wh, flags`,
    flatten(readings, (r) => [r.at.toISOString(), r.wh, r.flags]),
  );
  for (const row of rows) {
    const wh = Number(row.wh);
    add(changes, row.meter_id, { ...NO_COUNTS, ...flagCounts(row.flags), at: row.at, wh, readings: 1 });
    const list = inserted.get(row.meter_id) ?? [];
    list.push({ at: row.at, wh });
    inserted.set(row.meter_id, list);
  }
  return inserted;
}

/** Stored readings a new reading joined into a frozen run: their flags before and after. */
export type Reflag = { at: Date; before: number; after: number };

export async function reflagStored(
  tx: Queryable,
  reflags: ReadonlyMap<string, Reflag[]>,
  changes: ChangesByMeter,
): Promise<void> {
  if (!hasRows(reflags)) return;
  // The meters' rows are locked for the batch, so `before` is still what the row holds.
  await tx.query(
    `UPDATE readings r SET flags = v.flags
     FROM unnest($1::uuid[], $2::timestamptz[], $3::smallint[]) AS v(meter_id, at, flags)
     WHERE r.meter_id = v.meter_id AND r.at = v.at AND NOT r.estimated`,
    flatten(reflags, (r) => [r.at.toISOString(), r.after]),
  );
  for (const [meterId, list] of reflags) {
    for (const { at, before, after } of list) {
      const was = flagCounts(before);
      const now = flagCounts(after);
      add(changes, meterId, {
        ...NO_COUNTS,
        at,
        frozen: now.frozen - was.frozen,
        spikes: now.spikes - was.spikes,
        flagged: now.flagged - was.flagged,
      });
    }
  }
}
