import { deadLetterTopic, EventEnvelope, parseEnvelope } from '@voltstream/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/read-router';
import { JsonLogger } from '../logging/json-logger';
import { EventPublisher } from './event-publisher';
import { ConsumedEvent, Projection } from './projection';

export type ConsumerState = 'starting' | 'joined' | 'crashed' | 'stopped';

export interface ProjectionRunnerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topic: string;
  projection: Projection<T>;
  /** The read primary: where the projection writes, in one transaction per batch. */
  dataSource: DataSource;
  deadLetters: EventPublisher;
  logger: JsonLogger;
  fromBeginning?: boolean;
  attempts?: number;
  partitionsConsumedConcurrently?: number;
  onApplied?: (events: readonly ConsumedEvent[]) => void;
  onLag?: (partition: number, lag: number) => void;
}

/**
 * Runs a projection over one topic with our own small consumer loop (not Nest's Kafka
 * transport, which retries a poison message forever, nest#14664). A batch is applied in one
 * read-DB transaction together with the partition's position; offsets are committed only after
 * that commit. A batch that keeps failing is retried message by message, and a message that
 * still fails goes to `<topic>.dlq` with its error so the partition moves on.
 */
export class ProjectionRunner<T> {
  private consumer: Consumer | undefined;
  private state: ConsumerState = 'stopped';
  private stateSince = Date.now();
  private stopping = false;

  constructor(private readonly options: ProjectionRunnerOptions<T>) {}

  consumerState(): { state: ConsumerState; sinceMs: number } {
    return { state: this.state, sinceMs: Date.now() - this.stateSince };
  }

  async start(): Promise<void> {
    this.stopping = false;
    const { kafka, groupId, topic } = this.options;
    const consumer = kafka.consumer({
      groupId,
      // A crashed instance holds its partitions until its session expires: keep that short.
      // Long batches still heartbeat in time, since the runner heartbeats between steps.
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      // kafkajs waits up to 5 s for data by default; projection lag would start there.
      maxWaitTimeInMs: 100,
      maxBytes: 16 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    this.setState('starting');
    consumer.on(consumer.events.GROUP_JOIN, () => this.setState('joined'));
    consumer.on(consumer.events.STOP, () => this.setState('stopped'));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.setState('crashed');
      this.options.logger.event('error', 'projection consumer crashed', {
        groupId,
        error: String(payload.error),
        restart: payload.restart,
      });
      // kafkajs restarts by itself only for retriable errors; the rest we restart, later.
      if (!payload.restart && !this.stopping) setTimeout(() => void this.restart(), 2000).unref();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    this.setState('stopped');
  }

  private async restart(): Promise<void> {
    await this.stop();
    await this.start().catch((error: unknown) => {
      this.options.logger.event('error', 'projection consumer restart failed', { error: String(error) });
      setTimeout(() => void this.restart(), 5000).unref();
    });
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const stillOurs = () => payload.isRunning() && !payload.isStale();
    if (batch.messages.length === 0 || !stillOurs()) return;
    const { topic, partition } = batch;
    const messages = batch.messages;
    const failure = await this.withRetries(() => this.applyInTransaction(topic, partition, messages));
    if (failure) {
      for (const message of messages) {
        if (!stillOurs()) return;
        const error = await this.withRetries(() => this.applyInTransaction(topic, partition, [message]));
        if (error) await this.deadLetter(topic, partition, message, error);
        await payload.heartbeat();
      }
    }
    const last = messages[messages.length - 1];
    const next = (BigInt(last.offset) + 1n).toString();
    await this.consumer?.commitOffsets([{ topic, partition, offset: next }]);
    payload.resolveOffset(last.offset);
    this.options.onLag?.(partition, Number(batch.offsetLag()));
    await payload.heartbeat();
  }

  /** Applies messages and records the position in one transaction. */
  private async applyInTransaction(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
  ): Promise<void> {
    const { projection, dataSource } = this.options;
    const result = await dataSource.transaction(async (tx) => {
      const rows: { next_offset: string }[] = await tx.query(
        `SELECT next_offset::text FROM projection_positions
         WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [projection.name, topic, partition],
      );
      const applyFrom = BigInt(rows[0]?.next_offset ?? '0');
      const fresh = messages.filter((m) => BigInt(m.offset) >= applyFrom);
      const events = fresh.map((m) => toConsumedEvent(topic, partition, m));
      const outcome = events.length > 0 ? await projection.apply(events, tx) : undefined;
      const next = (BigInt(messages[messages.length - 1].offset) + 1n).toString();
      await recordPosition(tx, projection.name, topic, partition, next);
      return { events, outcome };
    });
    if (result.events.length > 0) {
      this.options.onApplied?.(result.events);
      if (projection.afterCommit && result.outcome !== undefined) {
        await projection.afterCommit(result.outcome).catch((error: unknown) => {
          this.options.logger.event('warn', 'after-commit step failed', {
            projection: projection.name,
            error: String(error),
          });
        });
      }
    }
  }

  /** Runs work with bounded retries; returns the last error's text, or null when it succeeded. */
  private async withRetries(work: () => Promise<void>): Promise<string | null> {
    const attempts = this.options.attempts ?? 3;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        await work();
        return null;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        this.options.logger.event('warn', 'projection attempt failed', {
          projection: this.options.projection.name,
          attempt,
          error: String(error),
        });
        if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
    return lastError;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: string,
  ): Promise<void> {
    this.options.logger.event('error', 'message sent to the dead-letter topic', {
      topic,
      partition,
      offset: message.offset,
      error,
    });
    await this.options.deadLetters.publish([
      {
        topic: deadLetterTopic(topic),
        key: message.key?.toString('utf8') ?? '',
        value: message.value?.toString('utf8') ?? '',
        headers: {
          'dlq-source-topic': topic,
          'dlq-source-partition': String(partition),
          'dlq-source-offset': message.offset,
          'dlq-projection': this.options.projection.name,
          'dlq-error': error,
          'dlq-failed-at': new Date().toISOString(),
        },
      },
    ]);
    // Move past it in the read model's own position too, so a replay skips it the same way.
    const next = (BigInt(message.offset) + 1n).toString();
    await recordPosition(this.options.dataSource, this.options.projection.name, topic, partition, next);
  }

  private setState(state: ConsumerState): void {
    if (state !== this.state) this.stateSince = Date.now();
    this.state = state;
  }
}

function toConsumedEvent(topic: string, partition: number, message: KafkaMessage): ConsumedEvent {
  const envelope: EventEnvelope = parseEnvelope(message.value ?? '');
  return { envelope, topic, partition, offset: message.offset };
}

/** Moves a projection's position forward (never back) for one partition. */
async function recordPosition(
  db: Queryable,
  projection: string,
  topic: string,
  partition: number,
  next: string,
) {
  await db.query(
    `INSERT INTO projection_positions (projection, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
     ON CONFLICT (projection, topic, partition) DO UPDATE
       SET next_offset = GREATEST(projection_positions.next_offset, EXCLUDED.next_offset), updated_at = now()`,
    [projection, topic, partition, next],
  );
}
