import { DomainError } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';

/** An amount in integer minor units (e.g. pence) of an ISO-4217 currency. Never a float. */
export interface Money {
  amountMinor: number;
  currency: string;
}

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const DAY_MS = 86_400_000;
const WH_PER_KWH = 1000n;

/**
 * The one rounding rule of billing: every invoice line is computed as an exact rational in
 * BigInt and rounded once, half to even (banker's rounding), to a whole minor unit. Totals are
 * exact sums of rounded lines, so nothing is rounded twice and no float ever touches money.
 *
 * `roundHalfEven(5n, 2n)` is 2 (2.5 → 2), `roundHalfEven(3n, 2n)` is 2 (1.5 → 2),
 * `roundHalfEven(1n, 2n)` is 0 (0.5 → 0).
 */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const quotient = numerator / denominator; // truncates toward zero
  const remainder = numerator % denominator; // same sign as the numerator
  const twiceRest = 2n * (remainder < 0n ? -remainder : remainder);
  if (twiceRest < denominator) return quotient;
  const awayFromZero = quotient + (numerator < 0n ? -1n : 1n);
  if (twiceRest > denominator) return awayFromZero;
  return quotient % 2n === 0n ? quotient : awayFromZero;
}

/** Back from BigInt to a number, refusing what a number cannot hold exactly. */
export function toMinorUnits(value: bigint, path = 'amountMinor'): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw DomainError.fromFieldErrors([
      { path, code: BillingErrorCodes.amountOverflow, message: 'exceeds the largest exact amount' },
    ]);
  }
  return Number(value);
}

/** Throws unless `value` is a safe integer ≥ `min` (0 unless told). */
export function assertMinorUnits(value: number, path: string, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw DomainError.fromFieldErrors([
      {
        path,
        code: BillingErrorCodes.invalidAmount,
        message: `must be a whole number of minor units, at least ${min}`,
      },
    ]);
  }
}

/** Energy charge of one line: Wh × price per kWh / 1000, rounded half to even. */
export function energyChargeMinor(wh: number, pricePerKwhMinor: number): number {
  return toMinorUnits(roundHalfEven(BigInt(wh) * BigInt(pricePerKwhMinor), WH_PER_KWH));
}

/** A per-day charge for `durationMs`: perDay × duration / 24 h, rounded half to even. */
export function proratedDailyMinor(perDayMinor: number, durationMs: number): number {
  return toMinorUnits(roundHalfEven(BigInt(perDayMinor) * BigInt(durationMs), BigInt(DAY_MS)));
}

/** The exact sum of minor amounts (summed in BigInt, so an overflow is an error, not a rounding). */
export function sumMinor(amounts: readonly number[]): number {
  return toMinorUnits(
    amounts.reduce((sum, amount) => sum + BigInt(amount), 0n),
    'totalMinor',
  );
}
