import {
  AuthConfig,
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readAuthConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface BillingCommandConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
  /** Consumer group of the usage ledger on energy.events: billing's own. */
  usageConsumerGroup: string;
  paymentTermDays: number;
  payments: {
    providerUrl: string;
    /** Where the provider posts settlement events: this service's webhook, as it reaches us. */
    webhookUrl: string;
    webhookSecret: string;
    /** A PENDING payment older than this is checked with the provider (lost call or webhook). */
    reconcileAfterMs: number;
  };
  scheduler: {
    /** Issue invoices for closed calendar months (UTC) on its own; off in tests that issue by hand. */
    enabled: boolean;
    intervalMs: number;
    /** Accounts a billing run invoices per transaction. */
    batchSize: number;
    /** Batches (transactions) a billing run has going at once. */
    concurrency: number;
  };
}

/** The sandbox provider's development secret (apps/payment-sandbox/README.md). */
const SANDBOX_WEBHOOK_SECRET = 'whsec_voltstream_sandbox_dev_only';

export function readConfig(env: NodeJS.ProcessEnv = process.env): BillingCommandConfig {
  const reader = new EnvReader(env);
  const service = readServiceConfig(reader, 'billing-command', 4201);
  const config = {
    service,
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, 'billing_command', false),
    kafka: readKafkaConfig(reader, 'billing-command'),
    topicPartitions: reader.int('BILLING_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    usageConsumerGroup: reader.string('USAGE_CONSUMER_GROUP', 'billing-command-usage'),
    paymentTermDays: reader.int('PAYMENT_TERM_DAYS', 14, { min: 0, max: 365 }),
    payments: {
      providerUrl: reader.url('PAYMENT_PROVIDER_URL', ['http:', 'https:'], 'http://127.0.0.1:4203'),
      webhookUrl: reader.url(
        'PAYMENT_WEBHOOK_URL',
        ['http:', 'https:'],
        `http://${service.host}:${service.port}/webhooks/payments`,
      ),
      webhookSecret: reader.string('PAYMENT_WEBHOOK_SECRET', SANDBOX_WEBHOOK_SECRET),
      reconcileAfterMs: reader.int('PAYMENT_RECONCILE_AFTER_MS', 30_000, { min: 1000 }),
    },
    scheduler: {
      enabled: reader.oneOf('INVOICE_SCHEDULER', ['on', 'off'] as const, 'on') === 'on',
      intervalMs: reader.int('INVOICE_SCHEDULER_INTERVAL_MS', 60_000, { min: 1000 }),
      batchSize: reader.int('BILLING_RUN_BATCH_SIZE', 100, { min: 1, max: 2000 }),
      concurrency: reader.int('BILLING_RUN_CONCURRENCY', 2, { min: 1, max: 8 }),
    },
  };
  reader.done();
  return config;
}
