import Redis from 'ioredis';
import { DataSource, MixedList } from 'typeorm';
import { createRedis } from '../cache/redis-client';
import { ReadSideConfig } from '../config/read-side-config';
import { createDataSource, migrate } from '../database/data-source';
import { ReadRouter } from '../database/read-router';
import { Readiness } from '../health/readiness';
import { DeadLetterDesk } from '../kafka/dead-letter-desk';
import { ConsumedProjection, ProjectionConsumers } from '../kafka/projection-consumers';
import { ProjectionDeadLetters } from '../kafka/projection-dead-letters';
import { ProjectionRunner } from '../kafka/projection-runner';
import { JsonLogger } from '../logging/json-logger';
import { reportPoolUsage } from '../metrics/pool-metrics';
import { ServiceMetrics } from '../metrics/service-metrics';

export interface ReadSideOptions {
  /** Without `redis`, the read side has no Redis (and no probe for it). */
  config: Pick<ReadSideConfig, 'service' | 'postgres' | 'kafka' | 'replicaCheckIntervalMs'> &
    Partial<Pick<ReadSideConfig, 'redis'>>;
  /** The read model's migrations, run on the read primary at start. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** The probe that shows Redis: its name (default `cache`) and what it adds to the connection status. */
  redisProbe?: { name?: string; details?: () => Record<string, unknown> };
  logger: JsonLogger;
  metrics: ServiceMetrics;
  readiness: Readiness;
}

/**
 * What every query service stands on: the read primary (migrated at start, where projections
 * write), the streaming replica reads go to while it keeps up, Redis, and the projections it runs
 * from Kafka. Consumers join in the background: queries are served while Kafka is still away.
 */
export class ReadSide {
  readonly primary: DataSource;
  readonly replica: DataSource | undefined;
  readonly router: ReadRouter;
  private readonly redisClient: Redis | undefined;
  private readonly projections: ProjectionConsumers;
  private routing = false;
  private consuming = false;

  constructor(private readonly options: ReadSideOptions) {
    const { config, metrics } = options;
    const name = config.service.serviceName;
    const pg = config.postgres;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    const dataSource = (url: string, role: string, migrations: MixedList<Function> = []) =>
      createDataSource({
        url,
        database: pg.database,
        applicationName: `${name}:${role}`,
        poolSize: pg.poolSize,
        connectTimeoutMs: pg.connectTimeoutMs,
        statementTimeoutMs: pg.statementTimeoutMs,
        migrations,
      });
    this.primary = dataSource(pg.primaryUrl, 'primary', options.migrations);
    // One replica is routed to; more replicas scale by running more instances, each on its own.
    const replicaUrl = pg.replicaUrls[0];
    this.replica = replicaUrl ? dataSource(replicaUrl, 'replica') : undefined;
    this.router = new ReadRouter(this.primary, this.replica, {
      maxLagMs: pg.maxReplicaLagMs,
      checkIntervalMs: config.replicaCheckIntervalMs,
      onStatus: (status) => {
        metrics.readTarget.set({ target: 'replica' }, status.target === 'replica' ? 1 : 0);
        metrics.readTarget.set({ target: 'primary' }, status.target === 'primary' ? 1 : 0);
        if (status.lagMs !== null) metrics.replicaLag.set(status.lagMs);
      },
    });
    this.redisClient = config.redis ? createRedis(config.redis, name) : undefined;
    reportPoolUsage(metrics, { primary: this.primary, replica: this.replica });
    this.projections = new ProjectionConsumers({
      kafka: config.kafka,
      dataSource: this.primary,
      logger: options.logger,
      metrics,
      readiness: options.readiness,
    });
    this.addProbes();
  }

  /** Redis for caches and pub/sub; only for a read side configured with it. */
  get redis(): Redis {
    if (!this.redisClient) throw new Error('this read side has no Redis: config.redis was not given');
    return this.redisClient;
  }

  /** A projection into the read primary, run from `start()` on; its runner, to read its state. */
  addProjection<T>(spec: ConsumedProjection<T>): ProjectionRunner<T> {
    return this.projections.add(spec);
  }

  /** The operator's desk over this read side's dead letters. */
  get deadLetterDesk(): DeadLetterDesk {
    return this.projections.desk;
  }

  /** List, replay and discard a projection's dead letters (for an admin surface). */
  deadLetters(projection: string): ProjectionDeadLetters<unknown> {
    return this.projections.deadLetters(projection);
  }

  /** Safe to call again after a failure (the database down at boot): it picks up where it stopped. */
  async start(): Promise<void> {
    await this.startReads();
    if (this.consuming) return;
    this.consuming = true;
    this.projections.start();
  }

  /** The read databases alone (migrated, routed), without consuming: what queries need. */
  async startReads(): Promise<void> {
    if (!this.primary.isInitialized) await this.primary.initialize();
    await migrate(this.primary, this.options.config.service.serviceName);
    if (this.routing) return;
    this.routing = true;
    await this.router.start();
  }

  async stop(): Promise<void> {
    await this.projections.stop();
    await this.router.stop();
    this.redisClient?.disconnect();
    if (this.primary.isInitialized) await this.primary.destroy();
  }

  private addProbes(): void {
    const readiness = this.options.readiness
      .add({
        name: 'database',
        check: async () => {
          await this.primary.query('SELECT 1');
          return { up: true };
        },
      })
      // Reads still work on the read primary when the replica is down or lagging: readiness
      // stays up and says where reads go and why.
      .add({ name: 'reads', check: async () => ({ up: true, details: { ...this.router.status() } }) });
    const redis = this.redisClient;
    if (!redis) return;
    const { name = 'cache', details } = this.options.redisProbe ?? {};
    // Up whatever Redis does: without it a query service loses cache hits and live updates, not reads.
    readiness.add({
      name,
      check: async () => ({ up: true, details: { redis: redis.status, ...details?.() } }),
    });
  }
}
