import { deadLetterTopic, EventEnvelope, parseEnvelope } from '@voltstream/contracts';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { DEFAULT_FETCH_WAIT_MS } from '../config/service-config';
import { Queryable } from '../database/read-router';
import { JsonLogger } from '../logging/json-logger';
import {
  blockedKeys,
  deadLetterId,
  isDeadLettered,
  keyOf,
  MessageRef,
  park,
  recordDeadLetter,
} from './dead-letter-store';
import { ClassifiedError, classifyError } from './error-kinds';
import { EventPublisher } from './event-publisher';
import { ConsumedEvent, Projection } from './projection';

export type ConsumerState = 'starting' | 'joined' | 'crashed' | 'stopped';

/** A partition that cannot move: since when, why, and how often it has tried again. */
export interface PartitionStall {
  topic: string;
  partition: number;
  kind: ClassifiedError['kind'];
  reason: string;
  error: string;
  since: number;
  retries: number;
}

export interface RetryPolicy {
  /** First wait after a transient failure; doubles each time, with jitter. */
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 200, maxMs: 30_000 };

/**
 * The consumer's group session: a crashed or frozen instance holds its partitions until it
 * expires, so it is short. Long batches still heartbeat in time (the runner heartbeats while it
 * works). A batch transaction left idle this long belongs to a frozen process (SIGSTOP, a paused
 * VM) whose partitions went to another member: Postgres ends it (idle_in_transaction_session_timeout),
 * which frees the partition's position row for the new owner and refuses the stale writes.
 */
export const SESSION_TIMEOUT_MS = 10_000;

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
  /** Tries of a message that can never apply before it is dead-lettered. */
  attempts?: number;
  retry?: RetryPolicy;
  /** `lock_timeout` of the projection's transactions (0: none, statement_timeout only). */
  lockTimeoutMs?: number;
  /** The broker's long-poll wait for an empty fetch (DEFAULT_FETCH_WAIT_MS). */
  fetchWaitMs?: number;
  partitionsConsumedConcurrently?: number;
  onApplied?: (events: readonly ConsumedEvent[]) => void;
  onLag?: (partition: number, lag: number) => void;
  onRetry?: (classified: ClassifiedError) => void;
  onDeadLettered?: (classified: ClassifiedError) => void;
}

/**
 * Runs a projection over one topic with our own small consumer loop (not Nest's Kafka
 * transport, which retries a poison message forever, nest#14664). A batch is applied in one
 * read-DB transaction together with the partition's position; offsets are committed only after
 * that commit.
 *
 * Errors are sorted by kind (error-kinds.ts). A transient or unknown one stalls the partition:
 * it is paused and tried again after a capped, jittered backoff, for as long as it takes, with
 * nothing committed and nothing dead-lettered. We pause rather than wait inside eachBatch:
 * kafkajs's fetcher waits for every batch of a fetch before it fetches again from that broker
 * (consumer/fetcher.js), so a partition waiting in eachBatch would hold back every partition of
 * the broker, and the group heartbeat would depend on us. Paused, the worker is free at once,
 * kafkajs heartbeats between fetches by itself, and on resume the partition is fetched again
 * from its last resolved offset. While an attempt runs we heartbeat (a lock wait can outlast the
 * session timeout).
 *
 * A permanent error (the event can never apply) is found message by message and dead-lettered
 * after a few tries: published to `<topic>.dlq`, then recorded with the position in one
 * transaction. From then on that key's later events on the partition are parked in the same
 * transaction as the position, until the dead letter is replayed or discarded
 * (ProjectionDeadLetters); other keys keep flowing.
 */
export class ProjectionRunner<T> {
  private consumer: Consumer | undefined;
  private state: ConsumerState = 'stopped';
  private stateSince = Date.now();
  private stopping = false;
  private readonly stalls = new Map<number, PartitionStall>();
  /** The topic's partitions the group gave this member at its last join (readiness shows them). */
  private assigned: number[] = [];
  private readonly resumeTimers = new Map<number, NodeJS.Timeout>();
  /** Dead letters published whose record did not commit yet: never published twice by us. */
  private readonly published = new Set<string>();

  constructor(private readonly options: ProjectionRunnerOptions<T>) {}

  get projectionName(): string {
    return this.options.projection.name;
  }

  consumerState(): { state: ConsumerState; sinceMs: number; partitions: readonly number[] } {
    return { state: this.state, sinceMs: Date.now() - this.stateSince, partitions: this.assigned };
  }

  /** The partitions that cannot move right now, oldest first. */
  stalledPartitions(): PartitionStall[] {
    return [...this.stalls.values()].sort((a, b) => a.since - b.since);
  }

  async start(): Promise<void> {
    this.stopping = false;
    const { kafka, groupId, topic } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: this.options.fetchWaitMs ?? DEFAULT_FETCH_WAIT_MS,
      maxBytes: 16 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.consumer = consumer;
    this.setState('starting');
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.setState('joined');
      // A stall of a partition that went to another member is theirs to report now.
      const mine = new Set(payload.memberAssignment[topic] ?? []);
      this.assigned = [...mine].sort((a, b) => a - b);
      for (const partition of this.stalls.keys()) if (!mine.has(partition)) this.forget(partition);
    });
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
    for (const partition of [...this.stalls.keys()]) this.forget(partition);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) {
      // kafkajs lets the batch in hand finish (its offsets are committed after its transaction)
      // before it leaves the group, so a clean stop hands over partitions with nothing pending.
      const error = await consumer.disconnect().then(
        () => undefined,
        (failure: unknown) => String(failure),
      );
      this.options.logger.event(error ? 'warn' : 'info', 'projection consumer stopped', {
        projection: this.projectionName,
        groupId: this.options.groupId,
        drained: error === undefined,
        ...(error ? { error } : {}),
      });
    }
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
    const { topic, partition, messages } = batch;
    if (messages.length === 0) return;
    if (!stillOurs(payload)) return this.forget(partition);
    try {
      await withHeartbeats(payload, () => this.applyInTransaction(topic, partition, messages));
    } catch (error) {
      if (classifyError(error).kind !== 'permanent') return this.stall(payload, error);
      // Some event of the batch can never apply: find it, one message at a time.
      for (const message of messages) {
        if (!stillOurs(payload)) return this.forget(partition);
        const failure = await this.applyAlone(payload, message);
        if (failure !== undefined) return this.stall(payload, failure);
      }
    }
    // The position moved with the read model's commit: the stall is over even if the Kafka
    // commit below fails (what it would redeliver is skipped by position).
    this.moved(partition);
    const last = messages[messages.length - 1];
    const next = (BigInt(last.offset) + 1n).toString();
    // Through the batch, not consumer.commitOffsets(): kafkajs drops that silently once the
    // consumer is stopping (runner.js commitOffsets), i.e. for the batch a SIGTERM lets finish,
    // and the partition's next owner would get it again.
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic, partitions: [{ partition, offset: next }] }],
    });
    payload.resolveOffset(last.offset);
    this.options.onLag?.(partition, Number(batch.offsetLag()));
    await payload.heartbeat();
  }

  /**
   * Applies one message; one that can never apply is dead-lettered after the tries. Returns a
   * transient (or unknown) error for the caller to stall on, or undefined when it is done.
   */
  private async applyAlone(payload: EachBatchPayload, message: KafkaMessage): Promise<unknown> {
    const { topic, partition } = payload.batch;
    const attempts = this.options.attempts ?? 3;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await withHeartbeats(payload, () => this.applyInTransaction(topic, partition, [message]));
        return undefined;
      } catch (error) {
        const classified = classifyError(error);
        if (classified.kind !== 'permanent') return error;
        this.options.logger.event('warn', 'event cannot apply', {
          projection: this.projectionName,
          partition,
          offset: message.offset,
          attempt,
          reason: classified.reason,
          error: String(error),
        });
        if (attempt >= attempts) {
          try {
            await this.deadLetter(topic, partition, message, error, classified);
            return undefined;
          } catch (deadLetterError) {
            return deadLetterError;
          }
        }
        await sleep(100 * 2 ** attempt);
        await payload.heartbeat();
      }
    }
  }

  /** Applies messages and records the position in one transaction; blocked keys are parked. */
  private async applyInTransaction(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
  ): Promise<void> {
    const { projection, dataSource } = this.options;
    const result = await dataSource.transaction(async (tx) => {
      const lockTimeout = Math.floor(this.options.lockTimeoutMs ?? 0);
      await tx.query(
        `SELECT set_config('idle_in_transaction_session_timeout', $1, true), set_config('lock_timeout', $2, true)`,
        [String(SESSION_TIMEOUT_MS), String(lockTimeout)],
      );
      // The position row is the partition's lock: replay and discard take it too.
      const rows: { next_offset: string }[] = await tx.query(
        `SELECT next_offset::text FROM projection_positions
         WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [projection.name, topic, partition],
      );
      const applyFrom = BigInt(rows[0]?.next_offset ?? '0');
      const fresh = messages.filter((m) => BigInt(m.offset) >= applyFrom);
      if (fresh.length < messages.length) {
        // Redelivered (an offset commit lost to a crash or rebalance): the position refuses them.
        this.options.logger.event('info', 'already-applied messages skipped', {
          projection: projection.name,
          topic,
          partition,
          skipped: messages.length - fresh.length,
          firstOffset: messages[0].offset,
          position: applyFrom.toString(),
        });
      }
      const blocked = fresh.length > 0 ? await blockedKeys(tx, projection.name, topic, partition) : new Set();
      const held = fresh.filter((m) => blocked.has(keyOf(m) ?? ''));
      await park(tx, projection.name, topic, partition, held);
      const events = fresh.filter((m) => !held.includes(m)).map((m) => toConsumedEvent(topic, partition, m));
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

  /**
   * Dead letter first, then position. The record and the position commit together; if that
   * fails the partition stalls and comes back here, and the publish is not repeated (in-memory
   * for this process, and the record is checked first). A crash between the publish and the
   * record sends it again, with the same `dlq-id`.
   */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    classified: ClassifiedError,
  ): Promise<void> {
    const { dataSource, projection } = this.options;
    const ref: MessageRef = { projection: projection.name, topic, partition, offset: message.offset };
    const id = deadLetterId(ref);
    const text = error instanceof Error ? error.message : String(error);
    if (!this.published.has(id) && !(await isDeadLettered(dataSource, ref))) {
      await this.options.deadLetters.publish([
        {
          topic: deadLetterTopic(topic),
          key: keyOf(message) ?? '',
          value: message.value?.toString('utf8') ?? '',
          headers: {
            'dlq-id': id,
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
            'dlq-projection': projection.name,
            'dlq-error': text,
            'dlq-error-kind': classified.kind,
            'dlq-error-reason': classified.reason,
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ]);
      this.published.add(id);
      this.options.logger.event('error', 'message sent to the dead-letter topic', {
        projection: projection.name,
        topic,
        partition,
        offset: message.offset,
        key: keyOf(message),
        reason: classified.reason,
        error: text,
      });
      this.options.onDeadLettered?.(classified);
    }
    const next = (BigInt(message.offset) + 1n).toString();
    await dataSource.transaction(async (tx) => {
      await recordDeadLetter(tx, ref, message, text, classified);
      await recordPosition(tx, projection.name, topic, partition, next);
    });
    this.published.delete(id);
  }

  /** The partition waits: paused, and resumed after the backoff to try again from where it was. */
  private stall(payload: EachBatchPayload, error: unknown): void {
    const { topic, partition } = payload.batch;
    if (this.stopping || !stillOurs(payload)) return this.forget(partition);
    const classified = classifyError(error);
    const text = error instanceof Error ? error.message : String(error);
    const stall = this.stalls.get(partition) ?? {
      topic,
      partition,
      kind: classified.kind,
      reason: classified.reason,
      error: text,
      since: Date.now(),
      retries: 0,
    };
    Object.assign(stall, { kind: classified.kind, reason: classified.reason, error: text });
    stall.retries += 1;
    this.stalls.set(partition, stall);
    this.options.onRetry?.(classified);
    const delay = backoff(stall.retries, this.options.retry ?? DEFAULT_RETRY_POLICY);
    this.options.logger.event(
      classified.kind === 'unknown' ? 'error' : 'warn',
      'projection partition stalled',
      {
        projection: this.projectionName,
        topic,
        partition,
        kind: classified.kind,
        reason: classified.reason,
        error: text,
        retries: stall.retries,
        stalledForMs: Date.now() - stall.since,
        retryInMs: delay,
      },
    );
    const resume = payload.pause();
    clearTimeout(this.resumeTimers.get(partition));
    const timer = setTimeout(() => {
      this.resumeTimers.delete(partition);
      resume();
    }, delay);
    timer.unref();
    this.resumeTimers.set(partition, timer);
  }

  private moved(partition: number): void {
    const stall = this.stalls.get(partition);
    if (!stall) return;
    this.stalls.delete(partition);
    this.options.logger.event('info', 'projection partition moves again', {
      projection: this.projectionName,
      partition,
      stalledForMs: Date.now() - stall.since,
      retries: stall.retries,
    });
  }

  private forget(partition: number): void {
    this.stalls.delete(partition);
    clearTimeout(this.resumeTimers.get(partition));
    this.resumeTimers.delete(partition);
  }

  private setState(state: ConsumerState): void {
    if (state !== this.state) this.stateSince = Date.now();
    if (state !== 'joined') this.assigned = [];
    this.state = state;
  }
}

const stillOurs = (payload: EachBatchPayload) => payload.isRunning() && !payload.isStale();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The wait before try `retry` (1-based): doubling from `initialMs`, capped, between half and all of it. */
export function backoff(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(retry - 1, 30));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Runs work while heartbeating, so that a long lock wait does not cost the group membership. */
async function withHeartbeats<R>(payload: EachBatchPayload, work: () => Promise<R>): Promise<R> {
  // A heartbeat failing (rebalance, broker away) shows in isStale()/isRunning() afterwards.
  const timer = setInterval(() => void payload.heartbeat().catch(() => undefined), 1000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function toConsumedEvent(topic: string, partition: number, message: KafkaMessage): ConsumedEvent {
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
