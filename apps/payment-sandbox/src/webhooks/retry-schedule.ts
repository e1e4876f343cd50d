import { WebhookConfig } from '../config';

/**
 * How long to wait after a delivery's `failedAttempts`-th failure: the base delay, doubling each
 * time, capped. With the defaults: 0.5 s, 1 s, 2 s, … 16 s, then every 30 s.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: Pick<WebhookConfig, 'retryBaseDelayMs' | 'retryMaxDelayMs'>,
): number {
  const doublings = Math.min(Math.max(failedAttempts - 1, 0), 40);
  return Math.min(policy.retryBaseDelayMs * 2 ** doublings, policy.retryMaxDelayMs);
}
