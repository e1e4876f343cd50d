import { deadLetterTopic } from '@voltstream/contracts';
import { DataSource, MixedList } from 'typeorm';
import { KafkaConfig, PostgresConfig } from '../config/service-config';
import { createDataSource, migrate, withDatabase } from '../database/data-source';
import { Readiness } from '../health/readiness';
import { EventPublisher } from '../kafka/event-publisher';
import { createKafka, ensureTopics } from '../kafka/kafka-client';
import { retryUntilDone } from '../lifecycle/retry';
import { JsonLogger } from '../logging/json-logger';
import { reportPoolUsage } from '../metrics/pool-metrics';
import { ServiceMetrics } from '../metrics/service-metrics';
import { OutboxRelay } from './outbox-relay';

export interface WriteSideOptions {
  service: string;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  /** The topic the service's events go to; its dead-letter twin is created beside it. */
  topic: string;
  topicPartitions: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  logger: JsonLogger;
  metrics: ServiceMetrics;
  readiness: Readiness;
}

/**
 * What every command service stands on: its write database (migrated at start) and the outbox
 * relay that publishes what its transactions commit. Kafka is prepared in the background, so a
 * command service starts and takes writes while Kafka is still away.
 */
export class WriteSide {
  readonly db: DataSource;
  private readonly publisher: EventPublisher;
  private readonly relay: OutboxRelay;
  private readonly kafka;
  private stopped = false;
  private topicsReady = false;
  private relayStarting = false;

  constructor(private readonly options: WriteSideOptions) {
    const { service, postgres, logger, metrics } = options;
    this.db = createDataSource({
      url: postgres.primaryUrl,
      database: postgres.database,
      applicationName: service,
      poolSize: postgres.poolSize,
      connectTimeoutMs: postgres.connectTimeoutMs,
      statementTimeoutMs: postgres.statementTimeoutMs,
      migrations: options.migrations,
    });
    reportPoolUsage(metrics, { primary: this.db });
    this.kafka = createKafka(options.kafka, logger);
    this.publisher = new EventPublisher(this.kafka);
    this.relay = new OutboxRelay({
      service,
      connectionString: withDatabase(postgres.primaryUrl, postgres.database),
      publisher: this.publisher,
      logger,
      onBacklog: (rows) => metrics.outboxBacklog.set(rows),
    });
    options.readiness
      .add({
        name: 'database',
        check: async () => {
          await this.db.query('SELECT 1');
          return { up: true };
        },
      })
      // Commands only need the database: with Kafka down they still commit to the outbox, and
      // the relay publishes once it is back. So the relay shows here, but never fails readiness.
      .add({
        name: 'outbox-relay',
        check: async () => ({
          up: true,
          details: { leader: this.relay.isLeader(), topicsReady: this.topicsReady },
        }),
      });
  }

  /** Safe to call again after a failure (the database down at boot): it picks up where it stopped. */
  async start(): Promise<void> {
    if (!this.db.isInitialized) await this.db.initialize();
    await migrate(this.db, this.options.service);
    if (this.relayStarting) return;
    this.relayStarting = true;
    void this.prepareKafkaThenRelay();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.relay.stop();
    await this.publisher.disconnect();
    if (this.db.isInitialized) await this.db.destroy();
  }

  private async prepareKafkaThenRelay(): Promise<void> {
    const { topic, topicPartitions, logger } = this.options;
    const topics = [
      { topic, partitions: topicPartitions },
      { topic: deadLetterTopic(topic), partitions: 1 },
    ];
    const ready = await retryUntilDone(() => ensureTopics(this.kafka, topics, this.options.kafka.topics), {
      isCancelled: () => this.stopped,
      onError: (error, attempt) =>
        logger.event('warn', 'cannot create topics yet', { error: String(error), attempt }),
    });
    if (!ready) return;
    this.topicsReady = true;
    this.relay.start();
  }
}
