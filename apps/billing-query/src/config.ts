import { EnvReader, readReadSideConfig, ReadSideConfig } from '@voltstream/platform';

export interface BillingQueryConfig extends ReadSideConfig {
  /** Consumer group of the billing read model on billing.events. */
  consumerGroup: string;
  /** Consumer group of the users table (owners' names on invoice PDFs) on identity.events. */
  usersConsumerGroup: string;
  billingTopicPartitions: number;
  identityTopicPartitions: number;
  cacheTtlSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BillingQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    ...readReadSideConfig(reader, { serviceName: 'billing-query', port: 4202, database: 'billing_read' }),
    consumerGroup: reader.string('BILLING_PROJECTION_GROUP', 'billing-query'),
    usersConsumerGroup: reader.string('USERS_PROJECTION_GROUP', 'billing-query.users'),
    billingTopicPartitions: reader.int('BILLING_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    identityTopicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    cacheTtlSeconds: reader.int('CACHE_TTL_SECONDS', 300, { min: 1 }),
  };
  reader.done();
  return config;
}
