import { AuthConfig, readAuthConfig } from '../auth/authenticator';
import { EnvReader } from './env-reader';
import {
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readRedisConfig,
  readServiceConfig,
  RedisConfig,
  ServiceConfig,
} from './service-config';

/** Settings every query service has: what its ReadSide and its consistent reads run on. */
export interface ReadSideConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  redis: RedisConfig;
  /** How long a query carrying a consistency token waits for the read model to catch up. */
  consistencyWaitMs: number;
  /** How often the read router measures the replica's lag. */
  replicaCheckIntervalMs: number;
}

export function readReadSideConfig(
  reader: EnvReader,
  defaults: { serviceName: string; port: number; database: string },
): ReadSideConfig {
  return {
    service: readServiceConfig(reader, defaults.serviceName, defaults.port),
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, defaults.database, true),
    kafka: readKafkaConfig(reader, defaults.serviceName),
    redis: readRedisConfig(reader),
    consistencyWaitMs: reader.int('CONSISTENCY_WAIT_MS', 5000, { min: 0, max: 60_000 }),
    replicaCheckIntervalMs: reader.int('REPLICA_CHECK_INTERVAL_MS', 2000, { min: 50 }),
  };
}
