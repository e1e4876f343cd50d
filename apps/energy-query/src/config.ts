import { EnvReader, readReadSideConfig, ReadSideConfig } from '@voltstream/platform';

export interface EnergyQueryConfig extends ReadSideConfig {
  consumerGroup: string;
  topicPartitions: number;
  cacheTtlSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnergyQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    ...readReadSideConfig(reader, { serviceName: 'energy-query', port: 4102, database: 'energy_read' }),
    consumerGroup: reader.string('ENERGY_PROJECTION_GROUP', 'energy-query.read-model'),
    topicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    cacheTtlSeconds: reader.int('CACHE_TTL_SECONDS', 300, { min: 1 }),
  };
  reader.done();
  return config;
}
