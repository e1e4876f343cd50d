import {
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  readTokenAudience,
  ServiceConfig,
} from '@voltstream/platform';

export interface IdentityConfig {
  service: ServiceConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'identity', 4001),
    postgres: readPostgresConfig(reader, 'identity', false),
    kafka: readKafkaConfig(reader, 'identity'),
    topicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    ...readTokenAudience(reader),
    accessTokenTtlSeconds: reader.int('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 60, max: 86_400 }),
    refreshTokenTtlSeconds: reader.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 3600 }),
  };
  reader.done();
  return config;
}
