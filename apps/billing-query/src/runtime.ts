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
  Projection,
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
import { BillingQueryConfig } from './config';
import { BillingReadModel1733100000000 } from './migrations/1733100000000-billing-read-model';
import { BillingProjection, BillingProjectionResult } from './projection/billing-projection';
import { publishInvoiceUpdates } from './projection/invoice-updates';
import { UsersProjection } from './projection/users-projection';
import { TARIFF_LIST_KEY } from './tariffs/tariff-reads';

/** How long a consumer may stay unjoined (booting, rebalancing) before readiness turns red. */
const CONSUMER_GRACE_MS = 60_000;

type Projector = Pick<ProjectionRunner<unknown>, 'start' | 'stop' | 'consumerState'>;

/** Everything billing-query runs on: read databases, caches, and the two projectors. */
export class BillingQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly primary: DataSource;
  readonly replica: DataSource | undefined;
  readonly router: ReadRouter;
  readonly redis: Redis;
  /** Pages of an account's invoices and its balance, stamped with the account's revision. */
  readonly accountCache: ReadModelCache;
  /** The tariff list, stamped with the number of tariffs (they are only ever added). */
  readonly tariffCache: ReadModelCache;
  private readonly projectors: { topic: string; runner: Projector }[];
  private readonly deadLetters: EventPublisher;
  private readonly kafka: Kafka;
  private stopped = false;

  constructor(
    readonly config: BillingQueryConfig,
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
        migrations: migrations ? [BillingReadModel1733100000000] : [],
      });
    this.primary = dataSource(pg.primaryUrl, 'primary', true);
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
    this.accountCache = new ReadModelCache(this.redis, 'billing:account', config.cacheTtlSeconds);
    this.tariffCache = new ReadModelCache(this.redis, 'billing:tariffs', config.cacheTtlSeconds);
    reportPoolUsage(this.metrics, { primary: this.primary, replica: this.replica });
    this.metrics.gaugeFrom('cache_hit_ratio', 'Share of cache lookups answered from Redis', () => {
      const stats = [this.accountCache.stats, this.tariffCache.stats];
      const hits = stats.reduce((sum, s) => sum + s.hits, 0);
      const total = hits + stats.reduce((sum, s) => sum + s.misses, 0);
      return total === 0 ? 0 : hits / total;
    });

    this.kafka = createKafka(config.kafka, logger);
    this.deadLetters = new EventPublisher(this.kafka);
    const billing = new BillingProjection();
    this.projectors = [
      {
        topic: Topics.billing,
        runner: this.runnerFor(Topics.billing, config.consumerGroup, {
          name: billing.name,
          apply: (events, tx) => billing.apply(events, tx),
          afterCommit: (result) => this.afterBillingCommit(result),
        }),
      },
      {
        topic: Topics.identity,
        runner: this.runnerFor(Topics.identity, config.usersConsumerGroup, new UsersProjection()),
      },
    ];
    this.addProbes();
  }

  async start(): Promise<void> {
    await this.primary.initialize();
    await migrate(this.primary, this.config.service.serviceName);
    await this.router.start();
    const partitions = {
      [Topics.billing]: this.config.billingTopicPartitions,
      [Topics.identity]: this.config.identityTopicPartitions,
    };
    // Consumers join in the background: queries can be served while Kafka is still away.
    for (const { topic, runner } of this.projectors) {
      void retryUntilDone(
        async () => {
          await ensureTopics(this.kafka, [
            { topic, partitions: partitions[topic as keyof typeof partitions] },
            { topic: deadLetterTopic(topic), partitions: 1 },
          ]);
          await runner.start();
        },
        {
          isCancelled: () => this.stopped,
          onError: (error, attempt) =>
            this.logger.event('warn', 'projector cannot start yet', { topic, error: String(error), attempt }),
        },
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { runner } of this.projectors) await runner.stop();
    await this.deadLetters.disconnect();
    await this.router.stop();
    this.redis.disconnect();
    if (this.primary.isInitialized) await this.primary.destroy();
  }

  private async afterBillingCommit(result: BillingProjectionResult): Promise<void> {
    await this.accountCache.invalidate(result.accountRevisions);
    if (result.tariffCount !== null) {
      await this.tariffCache.invalidate(new Map([[TARIFF_LIST_KEY, result.tariffCount]]));
    }
    await publishInvoiceUpdates(this.redis, result.invoices);
  }

  private runnerFor<T>(topic: string, groupId: string, projection: Projection<T>): Projector {
    return new ProjectionRunner<T>({
      kafka: this.kafka,
      groupId,
      topic,
      projection,
      dataSource: this.primary,
      deadLetters: this.deadLetters,
      logger: this.logger,
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
      // Reads still work on the read primary when the replica is down or lagging.
      .add({ name: 'reads', check: async () => ({ up: true, details: { ...this.router.status() } }) })
      // A Redis outage only costs cache hits (and live invoice updates until it is back).
      .add({
        name: 'cache',
        check: async () => ({
          up: true,
          details: {
            redis: this.redis.status,
            accountHitRatio: this.accountCache.hitRatio(),
            tariffHitRatio: this.tariffCache.hitRatio(),
          },
        }),
      })
      .add({
        name: 'projectors',
        check: async () => {
          const details: Record<string, unknown> = {};
          let up = true;
          for (const { topic, runner } of this.projectors) {
            const { state, sinceMs } = runner.consumerState();
            up &&= state === 'joined' || (state === 'starting' && sinceMs < CONSUMER_GRACE_MS);
            details[topic] = { consumer: state, forMs: sinceMs };
          }
          return { up, details };
        },
      });
  }
}
