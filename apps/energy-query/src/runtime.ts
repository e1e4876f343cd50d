import { deadLetterTopic, Topics } from '@voltstream/contracts';
import {
  Authenticator,
  createDataSource,
  createKafka,
  createRedis,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  migrate,
  ProjectionRunner,
  ReadModelCache,
  Readiness,
  ReadRouter,
  reportPoolUsage,
  retryUntilDone,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import Redis from 'ioredis';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EnergyQueryConfig } from './config';
import { ReadModel1732300000000 } from './migrations/1732300000000-read-model';
import { PartitionReadings1732400000000 } from './migrations/1732400000000-partition-readings';
import { EnergyProjection, EnergyProjectionResult } from './projection/energy-projection';
import { publishLatestReadings } from './projection/live-readings';

/** How long a consumer may stay unjoined (booting, rebalancing) before readiness turns red. */
const CONSUMER_GRACE_MS = 60_000;

/** Everything energy-query runs on: read databases, cache, and the projector. */
export class EnergyQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly primary: DataSource;
  readonly replica: DataSource | undefined;
  readonly router: ReadRouter;
  readonly redis: Redis;
  readonly cache: ReadModelCache;
  readonly projector: ProjectionRunner<EnergyProjectionResult>;
  private readonly deadLetters: EventPublisher;
  private readonly kafka: Kafka;
  private stopped = false;

  constructor(
    readonly config: EnergyQueryConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    const pg = config.postgres;
    this.metrics = new ServiceMetrics(name);
    this.auth = Authenticator.fromConfig(config.auth);
    const dataSource = (url: string, role: string, migrations = false) =>
      createDataSource({
        url,
        database: pg.database,
        applicationName: `${name}:${role}`,
        poolSize: pg.poolSize,
        connectTimeoutMs: pg.connectTimeoutMs,
        statementTimeoutMs: pg.statementTimeoutMs,
        migrations: migrations ? [ReadModel1732300000000, PartitionReadings1732400000000] : [],
      });
    this.primary = dataSource(pg.primaryUrl, 'primary', true);
    // One replica is routed to; more replicas scale by running more instances, each on its own.
    const replicaUrl = pg.replicaUrls[0];
    this.replica = replicaUrl ? dataSource(replicaUrl, 'replica') : undefined;
    this.router = new ReadRouter(this.primary, this.replica, {
      maxLagMs: pg.maxReplicaLagMs,
      checkIntervalMs: config.replicaCheckIntervalMs,
      onStatus: (status) => {
        this.metrics.readTarget.set({ target: 'replica' }, status.target === 'replica' ? 1 : 0);
        this.metrics.readTarget.set({ target: 'primary' }, status.target === 'primary' ? 1 : 0);
        if (status.lagMs !== null) this.metrics.replicaLag.set(status.lagMs);
      },
    });
    this.redis = createRedis(config.redis, name);
    this.cache = new ReadModelCache(this.redis, 'energy:consumption', config.cacheTtlSeconds);
    reportPoolUsage(this.metrics, { primary: this.primary, replica: this.replica });
    this.metrics.gaugeFrom('cache_hit_ratio', 'Share of cache lookups answered from Redis', () =>
      this.cache.hitRatio(),
    );

    const kafka = createKafka(config.kafka, logger);
    this.kafka = kafka;
    this.deadLetters = new EventPublisher(kafka);
    const projection = new EnergyProjection();
    this.projector = new ProjectionRunner({
      kafka,
      groupId: config.consumerGroup,
      topic: Topics.energy,
      projection: {
        name: projection.name,
        apply: (events, tx) => projection.apply(events, tx),
        afterCommit: async (result) => {
          await this.cache.invalidate(result.versions);
          await publishLatestReadings(this.redis, result.latest);
        },
      },
      dataSource: this.primary,
      deadLetters: this.deadLetters,
      logger,
      onApplied: (events) => {
        const now = Date.now();
        this.metrics.eventsApplied.inc({ projection: projection.name }, events.length);
        for (const { envelope } of events) {
          this.metrics.projectionLag.observe(
            { projection: projection.name },
            (now - Date.parse(envelope.occurredAt)) / 1000,
          );
        }
      },
      onLag: (partition, lag) =>
        this.metrics.consumerLag.set({ projection: projection.name, partition: String(partition) }, lag),
    });
    this.addProbes();
  }

  async start(): Promise<void> {
    await this.primary.initialize();
    await migrate(this.primary, this.config.service.serviceName);
    await this.router.start();
    // The consumer joins in the background: queries can be served while Kafka is still away.
    void retryUntilDone(
      async () => {
        await ensureTopics(this.kafka, [
          { topic: Topics.energy, partitions: this.config.topicPartitions },
          { topic: deadLetterTopic(Topics.energy), partitions: 1 },
        ]);
        await this.projector.start();
      },
      {
        isCancelled: () => this.stopped,
        onError: (error, attempt) =>
          this.logger.event('warn', 'projector cannot start yet', { error: String(error), attempt }),
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.projector.stop();
    await this.deadLetters.disconnect();
    await this.router.stop();
    this.redis.disconnect();
    if (this.primary.isInitialized) await this.primary.destroy();
  }

  private addProbes(): void {
    this.readiness
      .add({
        name: 'database',
        check: async () => {
          await this.primary.query('SELECT 1');
          return { up: true };
        },
      })
      // Reads still work on the read primary when the replica is down or lagging: readiness
      // stays up and says where reads go and why.
      .add({ name: 'reads', check: async () => ({ up: true, details: { ...this.router.status() } }) })
      // A Redis outage only costs cache hits.
      .add({
        name: 'cache',
        check: async () => ({
          up: true,
          details: { redis: this.redis.status, hitRatio: this.cache.hitRatio() },
        }),
      })
      .add({
        name: 'projector',
        check: async () => {
          const { state, sinceMs } = this.projector.consumerState();
          const up = state === 'joined' || (state === 'starting' && sinceMs < CONSUMER_GRACE_MS);
          return { up, details: { consumer: state, forMs: sinceMs } };
        },
      });
  }
}
