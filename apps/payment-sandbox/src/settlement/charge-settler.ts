import { DataSource } from 'typeorm';
import { newId } from '../charges/charge';
import { chargeStore } from '../charges/charge-store';
import { outcomeFor } from '../charges/test-amounts';
import { chargeEvent } from '../webhooks/charge-event';
import { deliveryStore } from '../webhooks/delivery-store';

const BATCH = 100;

/**
 * Decides the charges whose settlement time has come, and queues each one's webhook in the same
 * transaction: a settled charge always has its event, and a crash settles nothing twice.
 */
export class ChargeSettler {
  constructor(
    private readonly db: DataSource,
    private readonly onSettled: (status: 'succeeded' | 'failed') => void = () => undefined,
  ) {}

  /** Settles one batch; returns how many charges it settled. */
  async settleDue(): Promise<number> {
    const settled = await this.db.transaction(async (tx) => {
      const due = await chargeStore.lockDue(tx, BATCH);
      const now = new Date();
      const statuses: ('succeeded' | 'failed')[] = [];
      for (const charge of due) {
        const outcome = outcomeFor(charge.amountMinor);
        const failureReason = outcome.status === 'failed' ? outcome.failureReason : null;
        await chargeStore.settle(tx, charge.id, outcome.status, failureReason, now);
        const settledCharge = { ...charge, status: outcome.status, failureReason, settledAt: now };
        await deliveryStore.insert(tx, chargeEvent(newId('evt'), settledCharge, now), charge.webhookUrl);
        statuses.push(outcome.status);
      }
      return statuses;
    });
    settled.forEach((status) => this.onSettled(status));
    return settled.length;
  }
}
