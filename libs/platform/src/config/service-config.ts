import { EnvReader } from './env-reader';

/** Settings every service has. Service-specific settings extend these in the app. */
export interface ServiceConfig {
  serviceName: string;
  host: string;
  port: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How long a SIGTERM'd service keeps answering (readiness already red) before it closes. */
  shutdownDrainMs: number;
  /** A request still unanswered after this is cut off, so slow clients cannot hold sockets. */
  requestTimeoutMs: number;
}

export function readServiceConfig(
  reader: EnvReader,
  serviceName: string,
  defaultPort: number,
): ServiceConfig {
  return {
    serviceName,
    host: reader.string('HOST', '127.0.0.1'),
    port: reader.int('PORT', defaultPort, { min: 1, max: 65535 }),
    logLevel: reader.oneOf('LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    shutdownDrainMs: reader.int('SHUTDOWN_DRAIN_MS', 0, { min: 0, max: 60_000 }),
    requestTimeoutMs: reader.int('REQUEST_TIMEOUT_MS', 30_000, { min: 1000, max: 600_000 }),
  };
}

export interface PostgresConfig {
  /** The server; the service's own database name is appended when the URL names none. */
  primaryUrl: string;
  replicaUrls: string[];
  database: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Past this replay lag, reads go to the primary. */
  maxReplicaLagMs: number;
}

export function readPostgresConfig(
  reader: EnvReader,
  defaultDatabase: string,
  withReplicas: boolean,
): PostgresConfig {
  return {
    primaryUrl: reader.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    replicaUrls: withReplicas ? reader.list('READ_REPLICA_URLS') : [],
    database: reader.string('DATABASE_NAME', defaultDatabase),
    // At least 2: migrations at start hold an advisory-lock session and run on a second connection.
    poolSize: reader.int('DATABASE_POOL_SIZE', 10, { min: 2, max: 200 }),
    connectTimeoutMs: reader.int('DATABASE_CONNECT_TIMEOUT_MS', 3000, { min: 100 }),
    statementTimeoutMs: reader.int('DATABASE_STATEMENT_TIMEOUT_MS', 15_000, { min: 100 }),
    maxReplicaLagMs: reader.int('MAX_REPLICA_LAG_MS', 5000, { min: 0 }),
  };
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** How the topics this service creates are made (existing topics are left as they are). */
  topics?: TopicSettings;
  consumers?: ConsumerSettings;
}

/** Durability of created topics: local defaults 1/1, production 3/2 (infra/k8s/configmap.yaml). */
export interface TopicSettings {
  replicationFactor: number;
  minInsyncReplicas: number;
  /** `retention.ms` of domain event topics; -1 keeps the full history (replays rebuild from it). */
  retentionMs: number;
}

/**
 * How long the broker holds a fetch that finds no new message. It answers as soon as a message
 * arrives (minBytes 1), so this costs no projection lag; what it sets is how often an idle
 * consumer asks: at 100 ms the nine consumers of the stack sent 90 fetches a second between
 * them, a tenth of a core of Node and Kafka doing nothing. kafkajs heartbeats between fetches,
 * so the wait also bounds the heartbeat period (2 s: five chances per 10 s session), how late a
 * member notices a rebalance, and how late a partition resumed after a stall is fetched again.
 */
export const DEFAULT_FETCH_WAIT_MS = 2000;

export interface ConsumerSettings {
  /** A partition stalled on transient errors for longer than this turns readiness red. */
  stallThresholdMs: number;
  /** `lock_timeout` of projection transactions: a lock wait fails fast and is retried with backoff. */
  lockTimeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** How long the broker holds a fetch that finds nothing new (it answers at once when data arrives). */
  fetchWaitMs: number;
}

export function readKafkaConfig(reader: EnvReader, clientId: string): KafkaConfig {
  const brokers = reader.list('KAFKA_BROKERS');
  if (brokers.length === 0) reader.string('KAFKA_BROKERS');
  return {
    brokers,
    clientId: reader.string('KAFKA_CLIENT_ID', clientId),
    topics: {
      replicationFactor: reader.int('KAFKA_REPLICATION_FACTOR', 1, { min: 1, max: 10 }),
      minInsyncReplicas: reader.int('KAFKA_MIN_INSYNC_REPLICAS', 1, { min: 1, max: 10 }),
      retentionMs: reader.int('KAFKA_EVENT_RETENTION_MS', -1, { min: -1 }),
    },
    consumers: {
      stallThresholdMs: reader.int('PROJECTION_STALL_THRESHOLD_MS', 30_000, { min: 0 }),
      lockTimeoutMs: reader.int('PROJECTION_LOCK_TIMEOUT_MS', 5000, { min: 0 }),
      retryInitialMs: reader.int('PROJECTION_RETRY_INITIAL_MS', 200, { min: 1 }),
      retryMaxMs: reader.int('PROJECTION_RETRY_MAX_MS', 30_000, { min: 1 }),
      fetchWaitMs: reader.int('KAFKA_FETCH_WAIT_MS', DEFAULT_FETCH_WAIT_MS, { min: 10, max: 5000 }),
    },
  };
}

export interface RedisConfig {
  url: string;
  commandTimeoutMs: number;
}

export function readRedisConfig(reader: EnvReader): RedisConfig {
  return {
    url: reader.url('REDIS_URL', ['redis:', 'rediss:']),
    commandTimeoutMs: reader.int('REDIS_COMMAND_TIMEOUT_MS', 250, { min: 10 }),
  };
}
