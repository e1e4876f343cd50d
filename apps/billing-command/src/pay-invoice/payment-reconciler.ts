import { JsonLogger } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { SettlePaymentHandler } from '../payment-webhook/settle-payment.handler';
import { PaymentProvider } from './payment-provider';
import { PaymentRow } from './payment-view';

/**
 * Recovers PENDING payments that a crash or an outage left behind: one never handed to the
 * provider is handed over again (the provider is idempotent by payment id, so a charge that did
 * reach it is not made twice); one whose webhook never came is asked about and settled.
 */
export class PaymentReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly provider: PaymentProvider,
    private readonly settle: SettlePaymentHandler,
    private readonly logger: JsonLogger,
    private readonly options: { intervalMs: number; handOverAfterMs: number; askAfterMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.event('warn', 'payment reconciliation failed', { error: String(error) }),
        )
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many payments it handed over or settled. */
  async runOnce(): Promise<number> {
    const rows = await this.db.query<(PaymentRow & { number: string })[]>(
      `SELECT p.*, i.number FROM payments p JOIN invoices i ON i.id = p.invoice_id
       WHERE p.status = 'PENDING' AND (
         (p.provider_charge_id IS NULL AND p.created_at < now() - make_interval(secs => $1::float8 / 1000))
         OR p.created_at < now() - make_interval(secs => $2::float8 / 1000))
       ORDER BY p.created_at LIMIT 100`,
      [this.options.handOverAfterMs, this.options.askAfterMs],
    );
    let done = 0;
    for (const row of rows) {
      try {
        const chargeId =
          row.provider_charge_id ??
          (await this.provider.charge({
            paymentId: row.id,
            amountMinor: Number(row.amount_minor),
            currency: row.currency,
            description: `Invoice ${row.number}`,
          }));
        if (!row.provider_charge_id) {
          await this.db.query(
            'UPDATE payments SET provider_charge_id = $2 WHERE id = $1 AND provider_charge_id IS NULL',
            [row.id, chargeId],
          );
        }
        const status = await this.provider.status(chargeId);
        if (status.state === 'pending') {
          done += row.provider_charge_id ? 0 : 1;
          continue;
        }
        const at = new Date();
        await this.settle.execute({
          paymentId: row.id,
          amountMinor: Number(row.amount_minor),
          currency: row.currency,
          outcome:
            status.state === 'succeeded'
              ? { status: 'SUCCEEDED', at }
              : { status: 'FAILED', at, reason: status.reason },
        });
        done += 1;
      } catch (error) {
        this.logger.event('warn', 'payment not reconciled yet', { paymentId: row.id, error: String(error) });
      }
    }
    return done;
  }
}
