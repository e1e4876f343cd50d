import {
  encodeConsistencyToken,
  EntityChangeMessage,
  INVOICE_AGGREGATE,
  LiveChannels,
} from '@voltstream/contracts';
import Redis from 'ioredis';
import { InvoiceState } from './billing-writes';

/**
 * What the gateway needs to resolve an invoice for its subscribers: the id, and the token of the
 * invoice's version, so the read it makes waits for a replica that has not caught up yet.
 */
export function invoiceChangeMessage(invoice: InvoiceState): EntityChangeMessage {
  return {
    id: invoice.invoiceId,
    consistencyToken: encodeConsistencyToken({
      aggregateType: INVOICE_AGGREGATE,
      aggregateId: invoice.invoiceId,
      version: invoice.version,
    }),
  };
}

/** Published after the projection commits, so a subscriber never sees a state a query cannot. */
export async function publishInvoiceUpdates(redis: Redis, invoices: readonly InvoiceState[]): Promise<void> {
  if (invoices.length === 0) return;
  const pipeline = redis.pipeline();
  for (const invoice of invoices) {
    pipeline.publish(
      LiveChannels.invoiceUpdates(invoice.accountId),
      JSON.stringify(invoiceChangeMessage(invoice)),
    );
  }
  await pipeline.exec();
}
