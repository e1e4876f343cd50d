import { randomBytes } from 'node:crypto';
import { deadLetterTopic, EventEnvelope } from '@voltstream/contracts';
import { createScratchDatabase, eventually, ScratchDatabase, testSettings } from '@voltstream/testing';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource, MixedList } from 'typeorm';
import { createDataSource, migrate } from '../database/data-source';
import { ProjectionDeadLetters1767300000000 } from '../kafka/dead-letter-migration';
import { EventPublisher } from '../kafka/event-publisher';
import { ensureTopics } from '../kafka/kafka-client';
import { Projection } from '../kafka/projection';
import { ProjectionRunner, ProjectionRunnerOptions } from '../kafka/projection-runner';
import { JsonLogger } from '../logging/json-logger';

export interface ReadModelHarnessOptions {
  /** Names what the harness makes: `energy` gives databases `energy_read_test_…`, topics `test.energy.…`. */
  name: string;
  /** The read model's migrations, as the service runs them on its read primary. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
  /** What a snapshot holds: each table's name and a SELECT of all its rows in a stable order. */
  tables: Record<string, string>;
}

/** A dead-lettered message: its value as sent, the error the projection gave up with, its headers. */
export interface DeadLetter {
  key: string;
  value: string;
  error: string;
  headers: Record<string, string>;
}

/**
 * What a projection's integration test stands on: read-model databases of its own on the test
 * primary, snapshots to compare them by, and scratch topics to run the projection from.
 * `close()` drops the databases; each topic deletes itself.
 */
export class ReadModelHarness {
  private readonly settings = testSettings();
  private readonly scratch: ScratchDatabase[] = [];
  private readonly sources: DataSource[] = [];

  constructor(private readonly options: ReadModelHarnessOptions) {}

  /** A fresh, migrated read-model database. */
  async database(): Promise<DataSource> {
    const { name, migrations } = this.options;
    const db = await createScratchDatabase(this.settings.databaseUrl, `${name}_read_test`);
    this.scratch.push(db);
    const source = createDataSource({
      url: db.url,
      database: db.name,
      applicationName: `${name}-projection-test`,
      poolSize: 4,
      connectTimeoutMs: 3000,
      statementTimeoutMs: 10_000,
      // Every database a projection runs into has the runner's dead-letter and parking tables.
      migrations: [
        ...(migrations as unknown[]).filter((m) => m !== ProjectionDeadLetters1767300000000),
        ProjectionDeadLetters1767300000000,
      ] as typeof migrations,
    });
    await source.initialize();
    await migrate(source, `${name}-projection-test`);
    this.sources.push(source);
    return source;
  }

  /** Everything the read model holds, for equality checks; with where its projections stand. */
  async snapshot(db: DataSource, withPositions = false): Promise<Record<string, unknown[]>> {
    const tables = { ...this.options.tables };
    if (withPositions)
      tables['positions'] =
        'SELECT projection, topic, partition, next_offset FROM projection_positions ORDER BY projection, partition';
    const result: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(tables)) result[name] = await db.query(sql);
    return result;
  }

  /** A topic of this test's own; nothing exists on Kafka before `create()`. */
  topic(): ScratchTopic {
    const name = this.options.name;
    const kafka = new Kafka({
      clientId: `${name}-projection-test`,
      brokers: this.settings.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const logger = new JsonLogger(`${name}-projection-test`, 'error');
    return new ScratchTopic(kafka, `test.${name}.${randomBytes(4).toString('hex')}`, logger);
  }

  async close(): Promise<void> {
    for (const source of this.sources) await source.destroy();
    for (const db of this.scratch) await db.drop();
  }
}

/** A topic with its dead-letter twin, the projections run from it, and its dead letters read back. */
export class ScratchTopic {
  private readonly publisher: EventPublisher;
  private readonly runners: Pick<ProjectionRunner<unknown>, 'stop'>[] = [];

  constructor(
    private readonly kafka: Kafka,
    readonly name: string,
    private readonly logger: JsonLogger,
  ) {
    this.publisher = new EventPublisher(kafka);
  }

  async create(partitions = 3): Promise<void> {
    await ensureTopics(this.kafka, [
      { topic: this.name, partitions },
      { topic: deadLetterTopic(this.name), partitions: 1 },
    ]);
  }

  /** Events keyed by aggregate, as the outbox relay sends them. */
  publish(events: readonly EventEnvelope[]): Promise<void> {
    return this.publisher.publish(
      events.map((e) => ({ topic: this.name, key: e.aggregateId, value: JSON.stringify(e) })),
    );
  }

  /** A message as is: e.g. one that is not an event at all. */
  publishRaw(key: string, value: string): Promise<void> {
    return this.publisher.publish([{ topic: this.name, key, value }]);
  }

  /** Runs a projection into `db` from the topic's start, in consumer group `<topic>.<group>`. */
  async runInto<T>(
    db: DataSource,
    group: string,
    projection: Projection<T>,
    options: Partial<Pick<ProjectionRunnerOptions<T>, 'retry' | 'lockTimeoutMs'>> = {},
  ): Promise<ProjectionRunner<T>> {
    const runner = new ProjectionRunner<T>({
      ...options,
      kafka: this.kafka,
      groupId: `${this.name}.${group}`,
      topic: this.name,
      projection,
      dataSource: db,
      deadLetters: this.publisher,
      logger: this.logger,
      // Few attempts: a poison message reaches the dead-letter topic quickly.
      attempts: 2,
    });
    this.runners.push(runner);
    await runner.start();
    return runner;
  }

  /** How many messages the dead-letter topic holds now (its end offset; 0 when none). */
  async deadLetterCount(): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(deadLetterTopic(this.name));
      return offsets.reduce((sum, { high }) => sum + Number(high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Everything the dead-letter topic holds, read up to its end (so a second copy of a dead letter
   * shows); waits up to 30 s for the first one.
   */
  async deadLetters(): Promise<DeadLetter[]> {
    const topic = deadLetterTopic(this.name);
    const admin = this.kafka.admin();
    await admin.connect();
    let end: number;
    try {
      end = await eventually(
        async () => {
          const [{ high }] = await admin.fetchTopicOffsets(topic);
          return Number(high) > 0 ? Number(high) : undefined;
        },
        30_000,
        'the first dead letter',
      );
    } finally {
      await admin.disconnect();
    }
    const reader = this.kafka.consumer({
      groupId: `${topic}.reader.${randomBytes(3).toString('hex')}`,
      maxWaitTimeInMs: 100,
    });
    const letters: DeadLetter[] = [];
    let readTo = 0;
    await reader.connect();
    try {
      await reader.subscribe({ topic, fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value ?? '')]),
          );
          letters.push({
            key: message.key?.toString() ?? '',
            value: message.value?.toString() ?? '',
            error: headers['dlq-error'] ?? '',
            headers,
          });
          readTo = Number(message.offset) + 1;
        },
      });
      await eventually(
        async () => (readTo >= end ? true : undefined),
        30_000,
        `the dead letters up to ${end}`,
      );
    } finally {
      await reader.disconnect();
    }
    return letters;
  }

  /** Stops the projections run from it and deletes both topics. */
  async delete(): Promise<void> {
    for (const runner of this.runners) await runner.stop();
    await this.publisher.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [this.name, deadLetterTopic(this.name)] }).catch(() => undefined);
    await admin.disconnect();
  }
}
