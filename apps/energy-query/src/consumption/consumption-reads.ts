import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { consumptionRange, Granularity, isComplete, nextStart, startOf } from '@voltstream/energy';
import { Queryable } from '@voltstream/platform';

export interface ConsumptionArgs {
  from: Date;
  to: Date;
  granularity: Granularity;
  first?: number | null;
  after?: string | null;
}

export interface ConsumptionNode {
  start: Date;
  end: Date;
  kwh: number;
  /** The estimated part of `kwh`. */
  estimatedKwh: number;
  /** Measured intervals. */
  readings: number;
  /** The bucket has ended and every interval in it is measured or estimated. */
  complete: boolean;
}

export interface ConsumptionPage {
  nodes: ConsumptionNode[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalKwh: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 500;

interface BucketRow {
  start: Date;
  end: Date;
  wh: string;
  readings: number;
  estimated_wh: string;
  estimated: number;
}

/** A bucket as read: energy (estimates included) and how many intervals are measured or estimated. */
interface Bucket {
  start: Date;
  end: Date;
  wh: number;
  estimatedWh: number;
  readings: number;
  estimated: number;
}

/** Reads the projected rollups (never a GROUP BY over raw readings) for one page and the total. */
export async function readConsumption(
  db: Queryable,
  meter: { id: string; timezone: string; intervalMinutes: number },
  args: ConsumptionArgs,
): Promise<ConsumptionPage> {
  const pageSize = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new DomainError(ErrorCodes.badUserInput, `first must be from 1 to ${MAX_PAGE_SIZE}`, [
      { path: 'first', code: ErrorCodes.badUserInput, message: `from 1 to ${MAX_PAGE_SIZE}` },
    ]);
  }
  const range = consumptionRange(args.from, args.to, args.granularity, meter.timezone);
  const after = args.after ? decodeCursor(args.after) : null;
  const lowerBound = after && after > range.from ? new Date(after.getTime() + 1) : range.from;

  if (args.granularity === 'MONTH') {
    const days = await dailyBuckets(db, meter.id, range.from, range.to);
    const months = monthsOf(days, meter.timezone).filter((m) => m.start >= lowerBound);
    const total = days.reduce((sum, d) => sum + d.wh, 0);
    return toPage(months.slice(0, pageSize + 1), pageSize, total, meter.intervalMinutes);
  }
  const source = SOURCES[args.granularity];
  // An INTERVAL bucket is one reading, which starts one interval before its `at`.
  const shiftMs = args.granularity === 'INTERVAL' ? meter.intervalMinutes * 60_000 : 0;
  const shifted = (date: Date) => new Date(date.getTime() + shiftMs);
  const rows = await db.query<BucketRow[]>(source.page, [
    meter.id,
    shifted(lowerBound),
    shifted(range.to),
    pageSize + 1,
  ]);
  const [sum] = await db.query<{ wh: string | null }[]>(source.total, [
    meter.id,
    shifted(range.from),
    shifted(range.to),
  ]);
  const buckets = rows
    .map(toBucket)
    .map((b) => (shiftMs ? { ...b, start: new Date(b.end.getTime() - shiftMs) } : b));
  return toPage(buckets, pageSize, Number(sum?.wh ?? 0), meter.intervalMinutes);
}

/** Where each granularity's buckets live; `$2`/`$3` bound the bucket key, `$4` is the page size. */
const SOURCES: Record<Exclude<Granularity, 'MONTH'>, { page: string; total: string }> = {
  INTERVAL: {
    page: `SELECT at AS start, at AS "end", wh, CASE WHEN estimated THEN 0 ELSE 1 END AS readings,
             CASE WHEN estimated THEN wh ELSE 0 END AS estimated_wh, CASE WHEN estimated THEN 1 ELSE 0 END AS estimated
           FROM readings
           WHERE meter_id = $1 AND at >= $2 AND at < $3 ORDER BY at LIMIT $4`,
    total: 'SELECT sum(wh)::text AS wh FROM readings WHERE meter_id = $1 AND at >= $2 AND at < $3',
  },
  HOUR: {
    page: `SELECT bucket_start AS start, bucket_end AS "end", wh, readings, estimated_wh, estimated FROM consumption_hourly
           WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4`,
    total:
      'SELECT sum(wh)::text AS wh FROM consumption_hourly WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3',
  },
  DAY: {
    page: `SELECT bucket_start AS start, bucket_end AS "end", wh, readings, estimated_wh, estimated FROM consumption_daily
           WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4`,
    total:
      'SELECT sum(wh)::text AS wh FROM consumption_daily WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3',
  },
};

async function dailyBuckets(db: Queryable, meterId: string, from: Date, to: Date): Promise<Bucket[]> {
  const rows = await db.query<BucketRow[]>(
    `SELECT bucket_start AS start, bucket_end AS "end", wh, readings, estimated_wh, estimated FROM consumption_daily
     WHERE meter_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start`,
    [meterId, from, to],
  );
  return rows.map(toBucket);
}

const toBucket = (row: BucketRow): Bucket => ({
  start: row.start,
  end: row.end,
  wh: Number(row.wh),
  estimatedWh: Number(row.estimated_wh),
  readings: Number(row.readings),
  estimated: Number(row.estimated),
});

/** Sums daily buckets into local calendar months, in order. */
function monthsOf(days: readonly Bucket[], timezone: string): Bucket[] {
  const months = new Map<number, Bucket>();
  for (const day of days) {
    const start = startOf('month', day.start, timezone);
    const month = months.get(start.getTime()) ?? {
      start,
      end: nextStart('month', start, timezone),
      wh: 0,
      estimatedWh: 0,
      readings: 0,
      estimated: 0,
    };
    month.wh += day.wh;
    month.estimatedWh += day.estimatedWh;
    month.readings += day.readings;
    month.estimated += day.estimated;
    months.set(start.getTime(), month);
  }
  return [...months.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

function toPage(
  buckets: readonly Bucket[],
  pageSize: number,
  totalWh: number,
  intervalMinutes: number,
): ConsumptionPage {
  const page = buckets.slice(0, pageSize);
  const last = page[page.length - 1];
  const now = new Date();
  return {
    nodes: page.map((b) => ({
      start: b.start,
      end: b.end,
      kwh: b.wh / 1000,
      estimatedKwh: b.estimatedWh / 1000,
      readings: b.readings,
      complete: isComplete(b, intervalMinutes, now),
    })),
    pageInfo: { hasNextPage: buckets.length > pageSize, endCursor: last ? encodeCursor(last.start) : null },
    totalKwh: totalWh / 1000,
  };
}

const encodeCursor = (start: Date): string => Buffer.from(`b:${start.toISOString()}`).toString('base64url');

function decodeCursor(cursor: string): Date {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const at = new Date(text.slice(2));
  if (!text.startsWith('b:') || Number.isNaN(at.getTime())) {
    throw new DomainError(ErrorCodes.badUserInput, 'after is not a cursor from this connection', [
      { path: 'after', code: ErrorCodes.badUserInput, message: 'unknown cursor' },
    ]);
  }
  return at;
}
