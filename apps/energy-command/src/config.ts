import {
  DEFAULT_ESTIMATION_POLICY,
  DEFAULT_READING_POLICY,
  PROFILE_WEEKS,
  ReadingPolicy,
} from '@voltstream/energy';
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
import { GapEstimatorOptions } from './estimate-gaps/gap-estimator';

export interface EnergyCommandConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
  readingPolicy: ReadingPolicy;
  estimation: GapEstimatorOptions;
}

const DAY_MS = 86_400_000;

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
    // Meter data quality: gaps are estimated from the meter's own same-slot history (docs/design.md).
    estimation: {
      policy: {
        graceMs: reader.int('VEE_GRACE_MS', DEFAULT_ESTIMATION_POLICY.graceMs, { min: 0, max: 7 * DAY_MS }),
        maxTrailingMs: reader.int('VEE_MAX_TRAILING_MS', DEFAULT_ESTIMATION_POLICY.maxTrailingMs, {
          min: 0,
          max: 28 * DAY_MS,
        }),
        minProfileWeeks: reader.int('VEE_MIN_PROFILE_WEEKS', DEFAULT_ESTIMATION_POLICY.minProfileWeeks, {
          min: 1,
          max: PROFILE_WEEKS,
        }),
      },
      scanIntervalMs: reader.int('VEE_SCAN_INTERVAL_MS', 60_000, { min: 100, max: DAY_MS }),
      metersPerPass: 200,
      intervalsPerMeter: 4032,
    },
  };
  reader.done();
  return config;
}
