import { deadLetterTopic, Topics } from '@voltstream/contracts';
import {
  Authenticator,
  createDataSource,
  createKafka,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  migrate,
  OutboxRelay,
  Readiness,
  reportPoolUsage,
  retryUntilDone,
  ServiceMetrics,
  Stoppable,
  withDatabase,
} from '@voltstream/platform';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { EnergyCommandConfig } from './config';
import { InitialSchema1732300000000 } from './migrations/1732300000000-initial-schema';
import { RecordReadingsHandler } from './record-readings/record-readings.handler';
import { RegisterMeterHandler } from './register-meter/register-meter.handler';

/** Everything energy-command runs on, built once at boot and handed to the Nest module. */
export class EnergyCommandRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly db: DataSource;
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  readonly relay: OutboxRelay;
  readonly registerMeter: RegisterMeterHandler;
  readonly recordReadings: RecordReadingsHandler;
  private stopped = false;
  private topicsReady = false;

  constructor(
    readonly config: EnergyCommandConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.auth = Authenticator.fromConfig(config.auth);
    this.db = createDataSource({
      url: config.postgres.primaryUrl,
      database: config.postgres.database,
      applicationName: name,
      poolSize: config.postgres.poolSize,
      connectTimeoutMs: config.postgres.connectTimeoutMs,
      statementTimeoutMs: config.postgres.statementTimeoutMs,
      migrations: [InitialSchema1732300000000],
    });
    reportPoolUsage(this.metrics, { primary: this.db });
    this.kafka = createKafka(config.kafka, logger);
    this.publisher = new EventPublisher(this.kafka);
    this.relay = new OutboxRelay({
      service: name,
      connectionString: withDatabase(config.postgres.primaryUrl, config.postgres.database),
      publisher: this.publisher,
      logger,
      onBacklog: (rows) => this.metrics.outboxBacklog.set(rows),
    });
    this.registerMeter = new RegisterMeterHandler(this.db, name);
    this.recordReadings = new RecordReadingsHandler(this.db, name, config.readingPolicy);
    this.readiness.add({
      name: 'database',
      check: async () => {
        await this.db.query('SELECT 1');
        return { up: true };
      },
    });
    // Commands only need the database: with Kafka down they still commit to the outbox, and
    // the relay publishes once it is back. So the relay shows here, but never fails readiness.
    this.readiness.add({
      name: 'outbox-relay',
      check: async () => ({
        up: true,
        details: { leader: this.relay.isLeader(), topicsReady: this.topicsReady },
      }),
    });
  }

  async start(): Promise<void> {
    await this.db.initialize();
    await migrate(this.db, this.config.service.serviceName);
    void this.prepareKafkaThenRelay();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.relay.stop();
    await this.publisher.disconnect();
    if (this.db.isInitialized) await this.db.destroy();
  }

  private async prepareKafkaThenRelay(): Promise<void> {
    const topics = [
      { topic: Topics.energy, partitions: this.config.topicPartitions },
      { topic: deadLetterTopic(Topics.energy), partitions: 1 },
    ];
    const ready = await retryUntilDone(() => ensureTopics(this.kafka, topics), {
      isCancelled: () => this.stopped,
      onError: (error, attempt) =>
        this.logger.event('warn', 'cannot create topics yet', { error: String(error), attempt }),
    });
    if (!ready) return;
    this.topicsReady = true;
    this.relay.start();
  }
}
