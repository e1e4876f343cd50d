import { signWebhook, WEBHOOK_SIGNATURE_HEADER } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { WebhookConfig } from '../config';
import { DueDelivery, deliveryStore } from './delivery-store';
import { retryDelayMs } from './retry-schedule';

const BATCH = 20;

export type DeliveryResult = 'delivered' | 'failed' | 'abandoned';

/**
 * POSTs due webhook events, signed afresh on each attempt (the timestamp is part of the
 * signature), until the endpoint answers 2xx or the retry window closes. Redirects count as
 * failures, as with real processors: the endpoint must answer itself.
 */
export class WebhookDispatcher {
  constructor(
    private readonly db: DataSource,
    private readonly config: WebhookConfig,
    /** `retryInMs`: when a failed delivery is tried again. */
    private readonly onResult: (result: DeliveryResult, retryInMs?: number) => void = () => undefined,
  ) {}

  /** Attempts one batch of due deliveries concurrently; returns how many it attempted. */
  async deliverDue(): Promise<number> {
    const leaseSeconds = this.config.timeoutMs / 1000 + 30;
    const due = await deliveryStore.claimDue(this.db, BATCH, leaseSeconds);
    const results = await Promise.allSettled(due.map((delivery) => this.attempt(delivery)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return due.length;
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    let failure: { httpStatus: number | null; error: string };
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'voltstream-payment-sandbox',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhook(this.config.secret, delivery.body),
        },
        body: delivery.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) {
        await deliveryStore.markDelivered(this.db, delivery.eventId, response.status);
        this.onResult('delivered');
        return;
      }
      failure = { httpStatus: response.status, error: `HTTP ${response.status}` };
    } catch (error) {
      failure = { httpStatus: null, error: describe(error) };
    }
    const retryInMs = retryDelayMs(delivery.attempts, this.config);
    const state = await deliveryStore.markFailed(
      this.db,
      delivery.eventId,
      failure,
      retryInMs,
      this.config.retryForSeconds,
    );
    if (state === 'abandoned') this.onResult('abandoned');
    else this.onResult('failed', retryInMs);
  }
}

/** fetch's own message is only "fetch failed"; the reason (ECONNREFUSED, timeout) is its cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
