import {
  AuthConfig,
  EnvReader,
  readAuthConfig,
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readRedisConfig,
  readServiceConfig,
  RedisConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface EnergyQueryConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  redis: RedisConfig;
  consumerGroup: string;
  topicPartitions: number;
  cacheTtlSeconds: number;
  /** How long a query carrying a consistency token waits for the read model to catch up. */
  consistencyWaitMs: number;
  replicaCheckIntervalMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnergyQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'energy-query', 4102),
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, 'energy_read', true),
    kafka: readKafkaConfig(reader, 'energy-query'),
    redis: readRedisConfig(reader),
    consumerGroup: reader.string('ENERGY_PROJECTION_GROUP', 'energy-query.read-model'),
    topicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    cacheTtlSeconds: reader.int('CACHE_TTL_SECONDS', 300, { min: 1 }),
    consistencyWaitMs: reader.int('CONSISTENCY_WAIT_MS', 5000, { min: 0, max: 60_000 }),
    replicaCheckIntervalMs: reader.int('REPLICA_CHECK_INTERVAL_MS', 500, { min: 50 }),
  };
  reader.done();
  return config;
}
