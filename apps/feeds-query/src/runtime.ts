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
import { FeedsQueryConfig } from './config';
import { FeedsReadModel1733200000000 } from './migrations/1733200000000-feeds-read-model';
import { publishFeedUpdates } from './projection/feed-updates';
import { FeedsProjection } from './projection/feeds-projection';
import { UsersProjection } from './projection/users-projection';

/** How long a consumer may stay unjoined (booting, rebalancing) before readiness turns red. */
const CONSUMER_GRACE_MS = 60_000;

type Projector = Pick<ProjectionRunner<unknown>, 'start' | 'stop' | 'consumerState'>;

/** Everything feeds-query runs on: read databases, Redis, and the two projectors. */
export class FeedsQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly primary: DataSource;
  readonly replica: DataSource | undefined;
  readonly router: ReadRouter;
  readonly redis: Redis;
  readonly projection: FeedsProjection;
  private readonly projectors: { topic: string; runner: Projector }[];
  private readonly deadLetters: EventPublisher;
  private readonly kafka: Kafka;
  private stopped = false;

  constructor(
    readonly config: FeedsQueryConfig,
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
        migrations: migrations ? [FeedsReadModel1733200000000] : [],
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
    reportPoolUsage(this.metrics, { primary: this.primary, replica: this.replica });

    this.kafka = createKafka(config.kafka, logger);
    this.deadLetters = new EventPublisher(this.kafka);
    this.projection = new FeedsProjection(config.feed);
    const feeds = this.projection;
    this.projectors = [
      {
        topic: Topics.feeds,
        runner: this.runnerFor(Topics.feeds, config.consumerGroup, {
          name: feeds.name,
          apply: (events, tx) => feeds.apply(events, tx),
          // Only after the commit: a subscriber never hears of what `feed` cannot show yet.
          afterCommit: (result) => publishFeedUpdates(this.redis, result.updates),
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
    await this.startReads();
    const partitions = {
      [Topics.feeds]: this.config.feedsTopicPartitions,
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

  /** The read databases alone (migrated, routed), without consuming: what queries need. */
  async startReads(): Promise<void> {
    await this.primary.initialize();
    await migrate(this.primary, this.config.service.serviceName);
    await this.router.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { runner } of this.projectors) await runner.stop();
    await this.deadLetters.disconnect();
    await this.router.stop();
    this.redis.disconnect();
    if (this.primary.isInitialized) await this.primary.destroy();
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
      // A Redis outage only costs live feed updates until it is back.
      .add({ name: 'redis', check: async () => ({ up: true, details: { redis: this.redis.status } }) })
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
