import { nextStart, localParts, startOf } from '@voltstream/calendar';
import { readingIntervalStart } from '@voltstream/contracts';
import { MonthlyConsumption } from './achievements';

/** What a customer's meter has told so far: its zone and the last local month it read in. */
export interface MeterProgress {
  meterId: string;
  timeZone: string;
  /** `YYYY-MM`, or null before its first reading. */
  latestMonth: string | null;
}

/** Energy of one meter in one local month of its zone. */
export interface MeterMonthUsage {
  meterId: string;
  month: string;
  wh: number;
}

/** The local month (`YYYY-MM`) an instant falls in. */
export function monthIn(instant: Date, timeZone: string): string {
  const { year, month } = localParts(instant, timeZone);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The instant a local month ends in a zone, i.e. the next month starts there. */
export function monthEnd(month: string, timeZone: string): Date {
  // The 15th at noon UTC lies inside the same local month in every zone (offsets stay under 15 h).
  const inside = new Date(`${month}-15T12:00:00Z`);
  if (Number.isNaN(inside.getTime())) throw new RangeError(`not a YYYY-MM month: ${month}`);
  return nextStart('month', startOf('month', inside, timeZone), timeZone);
}

/**
 * Sums one meter's readings per local month. A reading covers the interval that ends at `at`,
 * so the reading at midnight on the 1st still belongs to the month before.
 */
export function usageByMonth(
  readings: readonly { at: string; wh: number }[],
  intervalMinutes: number,
  timeZone: string,
): Map<string, number> {
  const months = new Map<string, number>();
  for (const reading of readings) {
    const month = monthIn(readingIntervalStart(new Date(reading.at), intervalMinutes), timeZone);
    months.set(month, (months.get(month) ?? 0) + reading.wh);
  }
  return months;
}

/**
 * A customer's completed months, all their meters summed. A month is complete once every meter
 * that used energy in it has read in a later month of its own zone: the data, not the clock,
 * closes it, so a late meter keeps its month open instead of making it look low. It closed at
 * the latest of those meters' month ends.
 */
export function completedMonths(
  meters: readonly MeterProgress[],
  usage: readonly MeterMonthUsage[],
): MonthlyConsumption[] {
  const byMeter = new Map(meters.map((meter) => [meter.meterId, meter]));
  const months = new Map<string, { wh: number; closedAt: number; open: boolean }>();
  for (const { meterId, month, wh } of usage) {
    const meter = byMeter.get(meterId);
    if (!meter) continue;
    const entry = months.get(month) ?? { wh: 0, closedAt: 0, open: false };
    entry.wh += wh;
    entry.open ||= meter.latestMonth === null || meter.latestMonth <= month;
    entry.closedAt = Math.max(entry.closedAt, monthEnd(month, meter.timeZone).getTime());
    months.set(month, entry);
  }
  return [...months]
    .filter(([, entry]) => !entry.open)
    .map(([month, entry]) => ({ month, wh: entry.wh, closedAt: new Date(entry.closedAt) }))
    .sort((a, b) => a.month.localeCompare(b.month));
}
