import { AccountCreditAppliedV1, DomainError, InvoiceVoidedV1 } from '@voltstream/contracts';
import { invoiceStatusOf } from './invoice';
import { BillingErrorCodes } from './billing-errors';
import { InvoiceState } from './invoice-state';
import { InvoiceLine } from './usage-pricing';

export const MAX_VOID_REASON_LENGTH = 500;

/** What voiding needs of an invoice: its state as stored (locked), its number and its lines. */
export interface VoidableInvoice {
  state: InvoiceState;
  ownerId: string;
  number: string;
  lines: readonly InvoiceLine[];
}

export interface VoidInvoice {
  type: 'VoidInvoice';
  creditNoteId: string;
  /** The next number of the credit-note series of `now`'s UTC year, assigned by the database. */
  sequence: number;
  reason: string;
  now: Date;
}

export interface VoidDecision {
  invoice: InvoiceState;
  event: InvoiceVoidedV1;
}

/**
 * The reason, trimmed; BILLING.INVALID_VOID_REASON when empty or too long. The handler checks
 * it before it locks anything.
 */
export function voidReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length < 1 || trimmed.length > MAX_VOID_REASON_LENGTH) {
    throw DomainError.fromFieldErrors([
      {
        path: 'reason',
        code: BillingErrorCodes.invalidVoidReason,
        message: `1 to ${MAX_VOID_REASON_LENGTH} characters`,
      },
    ]);
  }
  return trimmed;
}

/**
 * An issued invoice is never edited; it can be voided unless it is void already, and not while a
 * payment on it is pending (its outcome would land on a void invoice, owned by nobody).
 */
export function assertVoidable(invoice: InvoiceState): void {
  if (invoice.status === 'VOID') {
    throw new DomainError(BillingErrorCodes.invoiceVoid, 'the invoice is already void');
  }
  if (invoice.totalMinor < 0) {
    // Its negated total went to the account's credit at issue and may be spent already.
    throw new DomainError(
      BillingErrorCodes.invoiceNegativeTotal,
      'an invoice with a negative total cannot be voided: its credit went to the account when it was issued',
    );
  }
  if (invoice.pendingMinor > 0) {
    throw new DomainError(
      BillingErrorCodes.paymentPending,
      'a payment on this invoice is still pending; void it once the payment has settled',
    );
  }
}

/** The credit note's lines: the invoice's, each amount negated, so they sum to minus its total. */
export const creditNoteLines = (lines: readonly InvoiceLine[]): InvoiceLine[] =>
  lines.map((line) => ({ ...line, amountMinor: -line.amountMinor }));

/**
 * What was paid on a voided invoice stays with the customer as account credit: billing has no
 * refund path to the payment provider, and credit lowers what the account owes.
 */
export const accountCreditOnVoid = (invoice: InvoiceState): number => invoice.succeededMinor;

/** Voids the invoice and issues the credit note that reverses it (→ `InvoiceVoidedV1`). */
export function decideVoidInvoice(invoice: VoidableInvoice, command: VoidInvoice): VoidDecision {
  const reason = voidReason(command.reason);
  assertVoidable(invoice.state);
  const lines = creditNoteLines(invoice.lines);
  return {
    invoice: { ...invoice.state, status: 'VOID' },
    event: {
      invoiceId: invoice.state.invoiceId,
      accountId: invoice.state.accountId,
      ownerId: invoice.ownerId,
      invoiceNumber: invoice.number,
      reason,
      voidedAt: command.now.toISOString(),
      creditNoteId: command.creditNoteId,
      creditNoteNumber: formatCreditNoteNumber(creditNoteYear(command.now), command.sequence),
      currency: invoice.state.currency,
      lines,
      totalMinor: -invoice.state.totalMinor,
      accountCreditMinor: accountCreditOnVoid(invoice.state),
    },
  };
}

/** The series a credit note issued at `at` numbers in: its UTC year. */
export const creditNoteYear = (at: Date): number => at.getUTCFullYear();

/**
 * `CN-<year>-<sequence>`, zero-padded to six digits (`CN-2026-000001`), widening past 999999.
 * The database assigns the sequence per year, gapless; this only formats it.
 */
export function formatCreditNoteNumber(year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new DomainError(BillingErrorCodes.invalidCreditNoteNumber, 'the year has four digits');
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new DomainError(BillingErrorCodes.invalidCreditNoteNumber, 'the credit note sequence starts at 1');
  }
  return `CN-${year}-${String(sequence).padStart(6, '0')}`;
}

/**
 * A new invoice uses the account's credit first: as much of it as the invoice total takes. The
 * rest stays for later invoices. Null when there is nothing to apply.
 */
export function applyAccountCredit(
  invoice: InvoiceState,
  creditMinor: number,
  now: Date,
): { invoice: InvoiceState; event: AccountCreditAppliedV1 } | null {
  const amountMinor = Math.min(creditMinor, invoice.totalMinor - invoice.succeededMinor);
  if (amountMinor <= 0 || invoice.status === 'VOID') return null;
  const succeededMinor = invoice.succeededMinor + amountMinor;
  const status = invoiceStatusOf(invoice.totalMinor, succeededMinor);
  return {
    invoice: { ...invoice, succeededMinor, status },
    event: {
      invoiceId: invoice.invoiceId,
      accountId: invoice.accountId,
      amountMinor,
      currency: invoice.currency,
      appliedAt: now.toISOString(),
      invoiceStatus: status,
      amountDueMinor: invoice.totalMinor - succeededMinor,
    },
  };
}
