import {
  DEFAULT_FROZEN_INTERVALS,
  DEFAULT_SPIKE_FACTOR,
  DEFAULT_SPIKE_MIN_SAMPLE,
  isFrozenRunLength,
  isSpikeFactor,
  parsePerInterval,
  VeeThresholds,
} from '@voltstream/energy';
import { EnvReader, readReadSideConfig, ReadSideConfig } from '@voltstream/platform';

export interface EnergyQueryConfig extends ReadSideConfig {
  consumerGroup: string;
  topicPartitions: number;
  cacheTtlSeconds: number;
  vee: VeeThresholds;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): EnergyQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    ...readReadSideConfig(reader, { serviceName: 'energy-query', port: 4102, database: 'energy_read' }),
    consumerGroup: reader.string('ENERGY_PROJECTION_GROUP', 'energy-query.read-model'),
    topicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    cacheTtlSeconds: reader.int('CACHE_TTL_SECONDS', 300, { min: 1 }),
    vee: readVeeThresholds(reader),
  };
  reader.done();
  return config;
}

/**
 * The data-quality flag thresholds (docs/design.md "Meter data quality"), read by the service and
 * by a rebuild alike, so that both flag the same readings.
 */
export function readVeeThresholds(reader: EnvReader): VeeThresholds {
  const table = (name: string, fallback: string, valid: (n: number) => boolean, what: string) => {
    try {
      return parsePerInterval(reader.string(name, fallback), valid);
    } catch (error) {
      reader.problem(`${name} must be ${what}: ${(error as Error).message}`);
      return parsePerInterval(fallback, valid);
    }
  };
  return {
    frozenIntervals: table(
      'VEE_FROZEN_INTERVALS',
      DEFAULT_FROZEN_INTERVALS,
      isFrozenRunLength,
      'minutes:N pairs for 5,10,15,30,60 (N an integer from 2 to 10000) or one N for all',
    ),
    spikeFactor: table(
      'VEE_SPIKE_FACTOR',
      DEFAULT_SPIKE_FACTOR,
      isSpikeFactor,
      'minutes:k pairs for 5,10,15,30,60 (k above 1, at most 1000) or one k for all',
    ),
    spikeMinSample: reader.int('VEE_SPIKE_MIN_SAMPLE', DEFAULT_SPIKE_MIN_SAMPLE, { min: 1, max: 100_000 }),
  };
}
