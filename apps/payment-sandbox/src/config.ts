import {
  EnvReader,
  PostgresConfig,
  readPostgresConfig,
  readServiceConfig,
  ServiceConfig,
} from '@voltstream/platform';

/** For local runs only: whoever receives the webhooks (billing) must verify with the same value. */
export const DEV_WEBHOOK_SECRET = 'whsec_voltstream_sandbox_dev_only';

export interface SettlementConfig {
  /** Time from a charge's creation to its outcome. */
  settleDelayMs: number;
  /** The same for the "slow settlement" test amounts (ending in 09). */
  slowSettleDelayMs: number;
  /**
   * How often the workers look for due charges and deliveries nobody announced (after a
   * restart); work this process creates wakes them when it falls due.
   */
  pollIntervalMs: number;
}

export interface WebhookConfig {
  secret: string;
  /** First retry after this; each further retry waits twice as long, up to `maxDelayMs`. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** A delivery still failing this long after its event was created is abandoned. */
  retryForSeconds: number;
  timeoutMs: number;
}

export interface PaymentSandboxConfig {
  service: ServiceConfig;
  postgres: PostgresConfig;
  settlement: SettlementConfig;
  webhooks: WebhookConfig;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PaymentSandboxConfig {
  const reader = new EnvReader(env);
  const secret = reader.string('WEBHOOK_SECRET', DEV_WEBHOOK_SECRET);
  if (secret.length < 16) reader.problem('WEBHOOK_SECRET must be at least 16 characters');
  const config: PaymentSandboxConfig = {
    service: readServiceConfig(reader, 'payment-sandbox', 4203),
    postgres: readPostgresConfig(reader, 'payment_sandbox', false),
    settlement: {
      settleDelayMs: reader.int('SETTLE_DELAY_MS', 200, { min: 0, max: 3_600_000 }),
      slowSettleDelayMs: reader.int('SLOW_SETTLE_DELAY_MS', 10_000, { min: 0, max: 3_600_000 }),
      pollIntervalMs: reader.int('SANDBOX_POLL_INTERVAL_MS', 2000, { min: 10, max: 60_000 }),
    },
    webhooks: {
      secret,
      retryBaseDelayMs: reader.int('WEBHOOK_RETRY_BASE_DELAY_MS', 500, { min: 10, max: 3_600_000 }),
      retryMaxDelayMs: reader.int('WEBHOOK_RETRY_MAX_DELAY_MS', 30_000, { min: 10, max: 86_400_000 }),
      retryForSeconds: reader.int('WEBHOOK_RETRY_FOR_SECONDS', 86_400, { min: 1, max: 30 * 86_400 }),
      timeoutMs: reader.int('WEBHOOK_TIMEOUT_MS', 5000, { min: 100, max: 60_000 }),
    },
  };
  reader.done();
  return config;
}
