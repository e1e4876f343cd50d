const fractionDigitsCache = new Map<string, number>();

/** Minor units per major unit of a currency, per ISO 4217 as Intl knows it: EUR 2, JPY 0, KWD 3. */
export function currencyFractionDigits(currency: string): number {
  const cached = fractionDigitsCache.get(currency);
  if (cached !== undefined) return cached;
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  fractionDigitsCache.set(currency, digits);
  return digits;
}

/**
 * `12345, 'EUR'` → `"123.45 EUR"`, `1234567, 'EUR'` → `"12,345.67 EUR"`, `500, 'JPY'` →
 * `"500 JPY"`. Digits are moved as text, never through a float, so every amount prints exactly.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  if (!Number.isSafeInteger(amountMinor)) {
    throw new RangeError(`amountMinor must be a safe integer, not ${amountMinor}`);
  }
  const digits = currencyFractionDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const magnitude = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - digits);
  const fraction = magnitude.slice(magnitude.length - digits);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}${digits > 0 ? `.${fraction}` : ''} ${currency}`;
}
