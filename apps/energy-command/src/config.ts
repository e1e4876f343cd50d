import { DEFAULT_READING_POLICY, ReadingPolicy } from '@voltstream/energy';
import {
  AuthConfig,
  EnvReader,
  readAuthConfig,
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface EnergyCommandConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
  readingPolicy: ReadingPolicy;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnergyCommandConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'energy-command', 4101),
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, 'energy_command', false),
    kafka: readKafkaConfig(reader, 'energy-command'),
    topicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    readingPolicy: {
      ...DEFAULT_READING_POLICY,
      // Readings older than this are refused: the periods they belong to are billed and closed.
      horizonMs: reader.int('READING_HORIZON_DAYS', 400, { min: 1, max: 3660 }) * 86_400_000,
    },
  };
  reader.done();
  return config;
}
