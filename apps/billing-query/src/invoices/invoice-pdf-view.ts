import { Queryable } from '@voltstream/platform';
import { InvoicePdfView } from '../invoice-pdf/render-invoice-pdf';
import { InvoiceView, PaymentView } from '../shared/views';
import { findInvoices, paymentsOf } from './invoice-reads';

export interface Owner {
  displayName: string;
  email: string;
}

/** The owner's name and email from identity's events; the owner id until those arrive. */
export async function ownerOf(db: Queryable, ownerId: string): Promise<Owner> {
  const rows = await db.query<{ display_name: string; email: string }[]>(
    'SELECT display_name, email FROM users WHERE id = $1',
    [ownerId],
  );
  const row = rows[0];
  return row ? { displayName: row.display_name, email: row.email } : { displayName: ownerId, email: '' };
}

/** Everything one invoice PDF prints, read in one go from one database. */
export async function readInvoiceForPdf(
  db: Queryable,
  invoiceId: string,
): Promise<{ invoice: InvoiceView; payments: PaymentView[]; owner: Owner } | null> {
  const [invoice] = await findInvoices(db, [invoiceId]);
  if (!invoice) return null;
  const payments = (await paymentsOf(db, [invoiceId])).get(invoiceId) ?? [];
  return { invoice, payments, owner: await ownerOf(db, invoice.ownerId) };
}

export function invoicePdfView(
  invoice: InvoiceView,
  payments: readonly PaymentView[],
  owner: Owner,
): InvoicePdfView {
  return {
    number: invoice.number,
    status: invoice.status,
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    owner,
    lines: (invoice.lines ?? []).map((line) => ({
      description: line.description,
      quantityKwh: line.quantityKwh,
      amountMinor: line.amount.amountMinor,
      estimated: line.estimated,
    })),
    totalMinor: invoice.total.amountMinor,
    amountDueMinor: invoice.amountDue.amountMinor,
    currency: invoice.currency,
    payments: payments.map((payment) => ({
      createdAt: payment.createdAt,
      amountMinor: payment.amount.amountMinor,
      status: payment.status,
    })),
  };
}
