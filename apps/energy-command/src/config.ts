import {
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface EnergyCommandConfig {
  service: ServiceConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnergyCommandConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'energy-command', 4101),
    postgres: readPostgresConfig(reader, 'energy_command', false),
    kafka: readKafkaConfig(reader, 'energy-command'),
    topicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
  };
  reader.done();
  return config;
}
