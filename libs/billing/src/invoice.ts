import { DomainError, InvoiceIssuedV1, InvoiceStatus } from '@voltstream/contracts';
import { BillingErrorCodes } from './billing-errors';
import { buildInvoiceLines, LateUsage } from './invoice-lines';
import { formatInvoiceNumber } from './invoice-number';
import { assertMinorUnits, DAY_MS, sumMinor } from './money';
import { BillingPeriod } from './period';
import { Tariff } from './tariff';
import { BilledMeter, InvoiceLine, UsageHour } from './usage-pricing';

export const DEFAULT_PAYMENT_TERM_DAYS = 14;
export const MAX_PAYMENT_TERM_DAYS = 365;

export interface AssembledInvoice {
  lines: InvoiceLine[];
  /**
   * The exact sum of the lines' amounts; below 0 when downward corrections outweigh the rest
   * (see `creditFromNegativeTotal`).
   */
  totalMinor: number;
  /** issuedAt + the payment term in whole 24-hour days. */
  dueAt: Date;
}

export function assembleInvoice(
  lines: readonly InvoiceLine[],
  issuedAt: Date,
  paymentTermDays: number = DEFAULT_PAYMENT_TERM_DAYS,
): AssembledInvoice {
  if (!Number.isInteger(paymentTermDays) || paymentTermDays < 0 || paymentTermDays > MAX_PAYMENT_TERM_DAYS) {
    throw DomainError.fromFieldErrors([
      {
        path: 'paymentTermDays',
        code: BillingErrorCodes.invalidPaymentTerms,
        message: `0 to ${MAX_PAYMENT_TERM_DAYS} whole days`,
      },
    ]);
  }
  lines.forEach((line, index) =>
    assertMinorUnits(
      line.amountMinor,
      `lines[${index}].amountMinor`,
      line.kind === 'ADJUSTMENT' ? -Number.MAX_SAFE_INTEGER : 0,
    ),
  );
  return {
    lines: [...lines],
    totalMinor: sumMinor(lines.map((line) => line.amountMinor)),
    dueAt: new Date(issuedAt.getTime() + paymentTermDays * DAY_MS),
  };
}

/**
 * PAID once nothing is due (a zero or negative invoice is paid on issue), PARTIALLY_PAID after a
 * first payment.
 */
export function invoiceStatusOf(totalMinor: number, succeededMinor: number): InvoiceStatus {
  if (succeededMinor >= totalMinor) return 'PAID';
  return succeededMinor > 0 ? 'PARTIALLY_PAID' : 'ISSUED';
}

export interface IssueInvoice {
  type: 'IssueInvoice';
  invoiceId: string;
  account: { accountId: string; ownerId: string; invoicePrefix: string };
  /** Assigned by the database, per account, from 1. */
  sequence: number;
  tariff: Tariff;
  meters: readonly BilledMeter[];
  period: BillingPeriod;
  periodUsage: readonly UsageHour[];
  lateUsage?: readonly LateUsage[];
  issuedAt: Date;
  paymentTermDays?: number;
}

export function decideIssueInvoice(command: IssueInvoice): InvoiceIssuedV1 {
  const { account, period, tariff } = command;
  const number = formatInvoiceNumber(account.invoicePrefix, command.sequence);
  const lines = buildInvoiceLines({
    tariff,
    meters: command.meters,
    period,
    periodUsage: command.periodUsage,
    lateUsage: command.lateUsage,
  });
  const invoice = assembleInvoice(lines, command.issuedAt, command.paymentTermDays);
  return {
    invoiceId: command.invoiceId,
    accountId: account.accountId,
    ownerId: account.ownerId,
    number,
    periodStart: period.start.toISOString(),
    periodEnd: period.end.toISOString(),
    currency: tariff.currency,
    lines: invoice.lines,
    totalMinor: invoice.totalMinor,
    status: invoiceStatusOf(invoice.totalMinor, 0),
    issuedAt: command.issuedAt.toISOString(),
    dueAt: invoice.dueAt.toISOString(),
  };
}

/**
 * What an invoice with a negative total owes the customer: it becomes account credit at issue, which
 * the next invoices spend first (billing has no refund path), and the invoice is PAID with nothing
 * due. 0 for any other invoice.
 */
export const creditFromNegativeTotal = (totalMinor: number): number => Math.max(0, -totalMinor);
