import { Meter, QualityBucket, qualityRollupDeltas } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';
import { ChangesByMeter } from './interval-writes';

const COUNTS = 'wh, readings, estimated_wh, estimated, frozen, spikes, flagged';
const ADD_COUNTS = (table: string) =>
  COUNTS.split(', ')
    .map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`)
    .join(', ');
const counts = (b: QualityBucket) => [
  b.wh,
  b.readings,
  b.estimatedWh,
  b.estimated,
  b.frozen,
  b.spikes,
  b.flagged,
];
/** The unnest column types of the counts, numbered after `keyColumns` key columns. */
const countTypes = (keyColumns: number) =>
  ['bigint', 'int', 'bigint', 'int', 'int', 'int', 'int']
    .map((t, i) => `$${keyColumns + i + 1}::${t}[]`)
    .join(', ');

/** Adds the batch's interval changes to the hourly and daily rollups, two statements in all. */
export async function upsertRollups(
  tx: Queryable,
  changes: ChangesByMeter,
  meters: ReadonlyMap<string, Pick<Meter, 'intervalMinutes' | 'timezone'>>,
): Promise<void> {
  const hourly: { meterId: string; bucket: QualityBucket }[] = [];
  const daily: { meterId: string; date: string; bucket: QualityBucket }[] = [];
  for (const [meterId, list] of changes) {
    if (list.length === 0) continue;
    const deltas = qualityRollupDeltas(list, meters.get(meterId)!);
    for (const bucket of deltas.hourly.values()) hourly.push({ meterId, bucket });
    for (const [date, bucket] of deltas.daily) daily.push({ meterId, date, bucket });
  }
  if (hourly.length > 0) {
    await tx.query(
      `INSERT INTO consumption_hourly (meter_id, bucket_start, bucket_end, ${COUNTS})
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], ${countTypes(3)})
       ON CONFLICT (meter_id, bucket_start) DO UPDATE SET ${ADD_COUNTS('consumption_hourly')}`,
      columns(hourly, (h) => [
        h.meterId,
        h.bucket.start.toISOString(),
        h.bucket.end.toISOString(),
        ...counts(h.bucket),
      ]),
    );
  }
  if (daily.length > 0) {
    await tx.query(
      `INSERT INTO consumption_daily (meter_id, local_date, bucket_start, bucket_end, ${COUNTS})
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::timestamptz[], $4::timestamptz[], ${countTypes(4)})
       ON CONFLICT (meter_id, local_date) DO UPDATE SET ${ADD_COUNTS('consumption_daily')}`,
      columns(daily, (d) => [
        d.meterId,
        d.date,
        d.bucket.start.toISOString(),
        d.bucket.end.toISOString(),
        ...counts(d.bucket),
      ]),
    );
  }
}

/** Row objects → one array per column, the shape `unnest` takes. */
function columns<T>(rows: readonly T[], pick: (row: T) => unknown[]): unknown[][] {
  const picked = rows.map(pick);
  return picked[0].map((_, i) => picked.map((row) => row[i]));
}
