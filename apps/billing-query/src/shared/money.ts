import { currencyFractionDigits } from '../invoice-pdf/format-money';

/** GraphQL's Money: integer minor units, and the same amount as an exact decimal string. */
export interface MoneyView {
  amountMinor: number;
  currency: string;
  amount: string;
}

/**
 * `12345, 'EUR'` → `"123.45"`, `500, 'JPY'` → `"500"`, `1234, 'KWD'` → `"1.234"`. The digits are
 * moved as text, so no amount ever passes through a float.
 */
export function decimalAmount(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be a safe integer, not ${amountMinor}`);
  }
  const digits = currencyFractionDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

export const money = (amountMinor: number, currency: string): MoneyView => ({
  amountMinor,
  currency,
  amount: decimalAmount(amountMinor, currency),
});
