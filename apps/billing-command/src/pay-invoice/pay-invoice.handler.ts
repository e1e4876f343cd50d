import { DomainError, ErrorCodes, INVOICE_AGGREGATE, notFound, UUID_PATTERN } from '@voltstream/contracts';
import { decidePayment, Money } from '@voltstream/billing';
import { Caller, EventOutbox, JsonLogger, Queryable } from '@voltstream/platform';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { isConstraintViolation } from '../shared/access';
import { lockInvoice, saveInvoiceState } from './invoice-lock';
import { PaymentProvider } from './payment-provider';
import { PaymentRow, paymentView } from './payment-view';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

/**
 * Records a PENDING payment in one transaction with its event, then hands it to the provider.
 * The invoice row lock serialises payments of one invoice, and pending payments reserve their
 * amount, so concurrent payments can never take the amount due below zero. The idempotency key
 * is the payer's: the same key and body replay the first payment, another body is CONFLICT.
 * If the process dies after the commit, the reconciler hands the PENDING payment over later.
 */
export class PayInvoiceHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly provider: PaymentProvider,
    private readonly logger: JsonLogger,
  ) {}

  async execute(caller: Caller, invoiceId: string, amount: Money, idempotencyKey: string) {
    if (!KEY_PATTERN.test(idempotencyKey)) {
      throw DomainError.fromFieldErrors([
        { path: 'idempotencyKey', code: ErrorCodes.badUserInput, message: '1 to 200 printable characters' },
      ]);
    }
    if (!UUID_PATTERN.test(invoiceId)) throw notFound('invoice');
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([invoiceId, amount.amountMinor, amount.currency]))
      .digest('hex');
    let outcome: { row: PaymentRow; version: number; created: boolean; invoiceNumber: string };
    try {
      outcome = await this.db.transaction((tx) =>
        this.record(tx, caller, invoiceId, amount, idempotencyKey, fingerprint),
      );
    } catch (error) {
      // Two first uses of one key on different invoices: the loser replays or conflicts now.
      if (!isConstraintViolation(error, 'payments_payer_id_idempotency_key_key')) throw error;
      outcome = await this.db.transaction((tx) =>
        this.record(tx, caller, invoiceId, amount, idempotencyKey, fingerprint),
      );
    }
    if (outcome.created) await this.handOver(outcome.row, outcome.invoiceNumber);
    return paymentView(outcome.row, outcome.version);
  }

  private async record(
    tx: Queryable,
    caller: Caller,
    invoiceId: string,
    amount: Money,
    key: string,
    fingerprint: string,
  ): Promise<{ row: PaymentRow; version: number; created: boolean; invoiceNumber: string }> {
    const invoice = await lockInvoice(tx, invoiceId);
    const previous = (
      await tx.query<PaymentRow[]>('SELECT * FROM payments WHERE payer_id = $1 AND idempotency_key = $2', [
        caller.userId,
        key,
      ])
    )[0];
    if (previous) {
      if (previous.request_fingerprint !== fingerprint) {
        throw new DomainError(ErrorCodes.conflict, 'this idempotency key was used for another payment');
      }
      const version = invoice?.version ?? (await invoiceVersion(tx, previous.invoice_id));
      return { row: previous, version, created: false, invoiceNumber: invoice?.number ?? '' };
    }
    // Another customer's invoice reads exactly like a missing one.
    if (!invoice || invoice.ownerId !== caller.userId) throw notFound('invoice');
    const paymentId = randomUUID();
    const now = new Date();
    const decision = decidePayment(invoice.state, { type: 'RequestPayment', paymentId, amount, now });
    const version = invoice.version + 1;
    const [row] = await tx.query<PaymentRow[]>(
      `INSERT INTO payments (id, invoice_id, payer_id, idempotency_key, request_fingerprint, amount_minor, currency, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', $8) RETURNING *`,
      [paymentId, invoiceId, caller.userId, key, fingerprint, amount.amountMinor, amount.currency, now],
    );
    await saveInvoiceState(tx, decision.invoice, version);
    await this.outbox.emit(
      tx,
      { aggregate: { type: INVOICE_AGGREGATE, id: invoiceId, version }, events: decision.events },
      { actorId: caller.userId, occurredAt: now },
    );
    return { row, version, created: true, invoiceNumber: invoice.number };
  }

  /** After the commit: a failure here leaves a PENDING payment for the reconciler, never a lost one. */
  private async handOver(row: PaymentRow, invoiceNumber: string): Promise<void> {
    try {
      const chargeId = await this.provider.charge({
        paymentId: row.id,
        amountMinor: Number(row.amount_minor),
        currency: row.currency,
        description: `Invoice ${invoiceNumber}`,
      });
      await this.db.query(
        'UPDATE payments SET provider_charge_id = $2 WHERE id = $1 AND provider_charge_id IS NULL',
        [row.id, chargeId],
      );
    } catch (error) {
      this.logger.event('warn', 'payment not handed to the provider yet; the reconciler retries', {
        paymentId: row.id,
        error: String(error),
      });
    }
  }
}

async function invoiceVersion(tx: Queryable, invoiceId: string): Promise<number> {
  const rows = await tx.query<{ version: number }[]>('SELECT version FROM invoices WHERE id = $1', [
    invoiceId,
  ]);
  return rows[0]?.version ?? 1;
}
