import { DomainError } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';

export const INVOICE_PREFIX_PATTERN = /^[A-Z0-9]{2,16}$/;
const INVOICE_NUMBER = /^([A-Z0-9]{2,16})-(\d{6,})$/;

/**
 * `<prefix>-<sequence>`, the sequence zero-padded to six digits (`VS42-000001`); it widens past
 * 999999 rather than wrap. The database assigns the sequence per account; this only formats it.
 */
export function formatInvoiceNumber(prefix: string, sequence: number): string {
  assertInvoicePrefix(prefix);
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new DomainError(BillingErrorCodes.invalidInvoiceNumber, 'the invoice sequence starts at 1');
  }
  return `${prefix}-${String(sequence).padStart(6, '0')}`;
}

export function parseInvoiceNumber(number: string): { prefix: string; sequence: number } {
  const match = INVOICE_NUMBER.exec(number);
  const sequence = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw new DomainError(BillingErrorCodes.invalidInvoiceNumber, `${number} is not an invoice number`);
  }
  return { prefix: match[1], sequence };
}

/** A prefix derived from the account id: its first 12 hex digits (48 bits), upper-case. */
export function defaultInvoicePrefix(accountId: string): string {
  return accountId.replace(/-/g, '').slice(0, 12).toUpperCase();
}

export function assertInvoicePrefix(prefix: string, path = 'invoicePrefix'): void {
  if (!INVOICE_PREFIX_PATTERN.test(prefix)) {
    throw DomainError.fromFieldErrors([
      {
        path,
        code: BillingErrorCodes.invalidInvoicePrefix,
        message: '2 to 16 upper-case letters or digits',
      },
    ]);
  }
}
