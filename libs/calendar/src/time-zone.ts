/**
 * Calendar arithmetic in an IANA time zone, on top of Intl only. Hours are found by subtracting
 * the local minutes (exact in any zone, and it keeps the two 01:00 hours of a fall-back night
 * apart); days and months by converting a local wall time back to an instant.
 */
const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone) && timeZone !== 'UTC') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * Recently asked instants' local parts, per zone: a billing run prices the same 744 hours of a
 * month for every meter of a zone, and Intl's formatToParts is most of that work. Bounded: it is
 * emptied when it grows past MEMO_LIMIT entries.
 */
const memo = new Map<string, LocalParts>();
const MEMO_LIMIT = 50_000;

export function localParts(instant: Date, timeZone: string): LocalParts {
  return { ...memoizedParts(instant, timeZone) };
}

/** `localParts(instant, timeZone).hour` without the copy: billing asks it for every hour it prices. */
export function localHour(instant: Date, timeZone: string): number {
  return memoizedParts(instant, timeZone).hour;
}

/** The memo's own object: callers outside this module get a copy, so none can change it. */
function memoizedParts(instant: Date, timeZone: string): LocalParts {
  const key = `${timeZone}|${instant.getTime()}`;
  const known = memo.get(key);
  if (known) return known;
  const parts = computeLocalParts(instant, timeZone);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, parts);
  return parts;
}

function computeLocalParts(instant: Date, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'],
    month: parts['month'],
    day: parts['day'],
    hour: parts['hour'],
    minute: parts['minute'],
    second: parts['second'],
  };
}

/** Offset of local time from UTC at that instant, in milliseconds. */
export function offsetMs(instant: Date, timeZone: string): number {
  const p = memoizedParts(instant, timeZone);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return wallAsUtc - wholeSeconds;
}

/** The instant at which a local wall time occurs (the earlier one if it occurs twice). */
function instantOfWallTime(year: number, month: number, day: number, timeZone: string): Date {
  const wallAsUtc = Date.UTC(year, month - 1, day);
  const firstGuess = wallAsUtc - offsetMs(new Date(wallAsUtc), timeZone);
  const corrected = wallAsUtc - offsetMs(new Date(firstGuess), timeZone);
  return new Date(corrected);
}

export type CalendarUnit = 'hour' | 'day' | 'month';

export function startOf(unit: CalendarUnit, instant: Date, timeZone: string): Date {
  const p = memoizedParts(instant, timeZone);
  if (unit === 'hour') {
    const intoHour = (p.minute * 60 + p.second) * 1000 + (instant.getTime() % 1000);
    return new Date(instant.getTime() - intoHour);
  }
  return instantOfWallTime(p.year, p.month, unit === 'day' ? p.day : 1, timeZone);
}

/** The start of the unit after the one that starts at `start`. Days last 23 to 25 hours. */
export function nextStart(unit: CalendarUnit, start: Date, timeZone: string): Date {
  if (unit === 'hour') return new Date(start.getTime() + HOUR_MS);
  const stepIntoNext = unit === 'day' ? 26 * HOUR_MS : 32 * 24 * HOUR_MS;
  return startOf(unit, new Date(start.getTime() + stepIntoNext), timeZone);
}

/** The local calendar date, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  const p = memoizedParts(instant, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
