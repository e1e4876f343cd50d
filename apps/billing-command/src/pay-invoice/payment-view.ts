import { encodeConsistencyToken, INVOICE_AGGREGATE, PaymentStatus } from '@voltstream/contracts';
import { money } from '../shared/graphql-views';

export interface PaymentRow {
  id: string;
  invoice_id: string;
  payer_id: string;
  request_fingerprint: string;
  amount_minor: string;
  currency: string;
  status: PaymentStatus;
  failure_reason: string | null;
  provider_charge_id: string | null;
  created_at: Date;
}

export const paymentView = (row: PaymentRow, invoiceVersion: number) => ({
  id: row.id,
  amount: money(Number(row.amount_minor), row.currency),
  status: row.status,
  failureReason: row.failure_reason,
  createdAt: row.created_at,
  consistencyToken: encodeConsistencyToken({
    aggregateType: INVOICE_AGGREGATE,
    aggregateId: row.invoice_id,
    version: invoiceVersion,
  }),
});
