import Redis from 'ioredis';
import { money } from '../shared/money';
import { InvoiceState } from './billing-writes';

/** Redis channel that carries an account's invoice changes to the gateway's invoiceUpdates. */
export const invoiceUpdatesChannel = (accountId: string): string => `billing:invoice-updates:${accountId}`;

/** The GraphQL Invoice fields a subscriber receives (dates as ISO strings). */
export function invoiceUpdateMessage(invoice: InvoiceState): Record<string, unknown> {
  return {
    id: invoice.invoiceId,
    number: invoice.number,
    status: invoice.status,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    total: money(invoice.totalMinor, invoice.currency),
    amountDue: money(invoice.amountDueMinor, invoice.currency),
    issuedAt: invoice.issuedAt,
    dueAt: invoice.dueAt,
  };
}

/** Published after the projection commits, so a subscriber never sees a state a query cannot. */
export async function publishInvoiceUpdates(redis: Redis, invoices: readonly InvoiceState[]): Promise<void> {
  if (invoices.length === 0) return;
  const pipeline = redis.pipeline();
  for (const invoice of invoices) {
    pipeline.publish(invoiceUpdatesChannel(invoice.accountId), JSON.stringify(invoiceUpdateMessage(invoice)));
  }
  await pipeline.exec();
}
