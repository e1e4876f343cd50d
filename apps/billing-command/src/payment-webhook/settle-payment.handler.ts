import { INVOICE_AGGREGATE } from '@voltstream/contracts';
import { PaymentOutcome, settlePayment } from '@voltstream/billing';
import { EventOutbox, JsonLogger } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { lockInvoice, saveInvoiceState } from '../pay-invoice/invoice-lock';
import { PaymentRow } from '../pay-invoice/payment-view';

export interface Settlement {
  paymentId: string;
  amountMinor: number;
  currency: string;
  outcome: PaymentOutcome;
  /** The provider's event id, when the settlement came by webhook: each is handled once. */
  eventId?: string;
}

export type SettleResult = 'settled' | 'already-settled' | 'duplicate-event' | 'unknown-payment' | 'mismatch';

/**
 * Applies the provider's verdict: payment SUCCEEDED or FAILED, the invoice's paid amount and
 * status, and the event, in one transaction. Replays change nothing: a webhook event id is
 * recorded once, and a settled payment stays as it was.
 */
export class SettlePaymentHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly logger: JsonLogger,
  ) {}

  async execute(settlement: Settlement): Promise<SettleResult> {
    return this.db.transaction(async (tx) => {
      if (settlement.eventId) {
        const inserted = await tx.query<unknown[]>(
          'INSERT INTO webhook_events (id, received_at) VALUES ($1, now()) ON CONFLICT DO NOTHING RETURNING id',
          [settlement.eventId],
        );
        if (inserted.length === 0) return 'duplicate-event';
      }
      const found = await tx.query<PaymentRow[]>('SELECT * FROM payments WHERE id = $1', [
        settlement.paymentId,
      ]);
      const payment = found[0];
      if (!payment) return 'unknown-payment';
      if (
        Number(payment.amount_minor) !== settlement.amountMinor ||
        payment.currency !== settlement.currency
      ) {
        this.logger.event('error', 'provider settled another amount than the payment asked for', {
          paymentId: payment.id,
        });
        return 'mismatch';
      }
      const invoice = await lockInvoice(tx, payment.invoice_id);
      if (!invoice) throw new Error(`payment ${payment.id} has no invoice`);
      // Read again under the invoice lock: a concurrent settlement may have won.
      const [current] = await tx.query<PaymentRow[]>('SELECT * FROM payments WHERE id = $1', [payment.id]);
      const decision = settlePayment(
        invoice.state,
        {
          paymentId: payment.id,
          invoiceId: payment.invoice_id,
          amountMinor: Number(payment.amount_minor),
          currency: payment.currency,
          status: (current ?? payment).status,
          failureReason: (current ?? payment).failure_reason,
        },
        settlement.outcome,
      );
      if (decision.events.length === 0) return 'already-settled';
      const version = invoice.version + 1;
      await tx.query('UPDATE payments SET status = $2, failure_reason = $3, settled_at = $4 WHERE id = $1', [
        payment.id,
        decision.payment.status,
        decision.payment.failureReason,
        settlement.outcome.at,
      ]);
      await saveInvoiceState(tx, decision.invoice, version);
      await this.outbox.emit(
        tx,
        {
          aggregate: { type: INVOICE_AGGREGATE, id: invoice.state.invoiceId, version },
          events: decision.events,
        },
        { actorId: null },
      );
      return 'settled';
    });
  }
}
