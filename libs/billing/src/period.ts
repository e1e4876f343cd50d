import { DomainError } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { DAY_MS } from './money';

/** A billing period [start, end): an instant belongs to it when start ≤ instant < end. */
export interface BillingPeriod {
  start: Date;
  end: Date;
}

export const MAX_PERIOD_DAYS = 93;

export function validatePeriod(period: BillingPeriod, path = ''): BillingPeriod {
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const start = period.start.getTime();
  const end = period.end.getTime();
  const problem = (field: string, message: string) =>
    DomainError.fromFieldErrors([{ path: at(field), code: BillingErrorCodes.invalidPeriod, message }]);
  if (Number.isNaN(start)) throw problem('periodStart', 'is not a valid instant');
  if (Number.isNaN(end)) throw problem('periodEnd', 'is not a valid instant');
  if (start >= end) throw problem('periodEnd', 'must be after periodStart');
  if (end - start > MAX_PERIOD_DAYS * DAY_MS)
    throw problem('periodEnd', `at most ${MAX_PERIOD_DAYS} days after periodStart`);
  return period;
}

export function periodContains(period: BillingPeriod, instant: Date): boolean {
  const at = instant.getTime();
  return period.start.getTime() <= at && at < period.end.getTime();
}

/** `2026-05-01T00:00Z–2026-06-01T00:00Z`: exact instants, without zero seconds. */
export function describePeriod(period: BillingPeriod): string {
  const short = (instant: Date) => instant.toISOString().replace(/:00\.000Z$/, 'Z');
  return `${short(period.start)}–${short(period.end)}`;
}
