import {
  AuthConfig,
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readAuthConfig,
  readKafkaConfig,
  readPostgresConfig,
  readRedisConfig,
  readServiceConfig,
  RedisConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface BillingQueryConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  redis: RedisConfig;
  /** Consumer group of the billing read model on billing.events. */
  consumerGroup: string;
  /** Consumer group of the users table (owners' names on invoice PDFs) on identity.events. */
  usersConsumerGroup: string;
  billingTopicPartitions: number;
  identityTopicPartitions: number;
  cacheTtlSeconds: number;
  /** How long a query carrying a consistency token waits for the read model to catch up. */
  consistencyWaitMs: number;
  replicaCheckIntervalMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): BillingQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'billing-query', 4202),
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, 'billing_read', true),
    kafka: readKafkaConfig(reader, 'billing-query'),
    redis: readRedisConfig(reader),
    consumerGroup: reader.string('BILLING_PROJECTION_GROUP', 'billing-query'),
    usersConsumerGroup: reader.string('USERS_PROJECTION_GROUP', 'billing-query.users'),
    billingTopicPartitions: reader.int('BILLING_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    identityTopicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    cacheTtlSeconds: reader.int('CACHE_TTL_SECONDS', 300, { min: 1 }),
    consistencyWaitMs: reader.int('CONSISTENCY_WAIT_MS', 5000, { min: 0, max: 60_000 }),
    replicaCheckIntervalMs: reader.int('REPLICA_CHECK_INTERVAL_MS', 500, { min: 50 }),
  };
  reader.done();
  return config;
}
