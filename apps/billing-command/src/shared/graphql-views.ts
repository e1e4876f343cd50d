import { InvoiceIssuedV1, InvoiceLineV1, InvoiceStatus } from '@voltstream/contracts';

export interface MoneyView {
  amountMinor: number;
  currency: string;
  amount: string;
}

/** Decimal places of a currency's minor unit (EUR 2, JPY 0, BHD 3). */
function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** Minor units as an exact decimal string, without floating point: 12345 EUR → "123.45". */
export function money(amountMinor: number, currency: string): MoneyView {
  const digits = minorDigits(currency);
  const sign = amountMinor < 0 ? '-' : '';
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const amount = digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return { amountMinor, currency, amount };
}

export const lineView = (line: InvoiceLineV1, currency: string) => ({
  description: line.description,
  quantityKwh: line.quantityWh === null ? null : line.quantityWh / 1000,
  amount: money(line.amountMinor, currency),
  // Invoices stored before estimated usage was billed have no flag in their lines: they priced
  // measured usage (a void answers with such lines, read back from the invoices table).
  estimated: line.estimated === true,
});

export type IssuedInvoiceFacts = Omit<InvoiceIssuedV1, 'ownerId' | 'status'>;

/** An invoice as a mutation answers with it: as issued, with what is due now and its status. */
export const invoiceView = (
  invoice: IssuedInvoiceFacts,
  now: { amountDueMinor: number; status: InvoiceStatus },
  consistencyToken: string,
) => ({
  id: invoice.invoiceId,
  number: invoice.number,
  account: { __typename: 'BillingAccount', id: invoice.accountId },
  periodStart: new Date(invoice.periodStart),
  periodEnd: new Date(invoice.periodEnd),
  lines: invoice.lines.map((line) => lineView(line, invoice.currency)),
  total: money(invoice.totalMinor, invoice.currency),
  amountDue: money(now.amountDueMinor, invoice.currency),
  status: now.status,
  issuedAt: new Date(invoice.issuedAt),
  dueAt: new Date(invoice.dueAt),
  consistencyToken,
});

interface TariffLike {
  tariffId: string;
  name: string;
  currency: string;
  standingChargePerDayMinor: number;
  rates: readonly { fromHour: number; toHour: number; pricePerKwhMinor: number }[];
}

export const tariffView = (tariff: TariffLike, consistencyToken: string | null = null) => ({
  id: tariff.tariffId,
  name: tariff.name,
  currency: tariff.currency,
  standingChargePerDay: money(tariff.standingChargePerDayMinor, tariff.currency),
  rates: tariff.rates.map((rate) => ({
    fromHour: rate.fromHour,
    toHour: rate.toHour,
    pricePerKwh: money(rate.pricePerKwhMinor, tariff.currency),
  })),
  consistencyToken,
});
