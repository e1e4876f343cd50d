import { deadLetterTopic } from '@voltstream/contracts';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { KafkaConfig } from '../config/service-config';
import { ProbeResult, Readiness } from '../health/readiness';
import { retryUntilDone } from '../lifecycle/retry';
import { JsonLogger } from '../logging/json-logger';
import { ServiceMetrics } from '../metrics/service-metrics';
import { EventPublisher } from './event-publisher';
import { createKafka, ensureTopics } from './kafka-client';
import { DeadLetterDesk, DeadLetterSource } from './dead-letter-desk';
import { Projection } from './projection';
import { ProjectionDeadLetters } from './projection-dead-letters';
import { PartitionStall, ProjectionRunner } from './projection-runner';

/** How long a consumer may stay unjoined (booting, rebalancing) before readiness turns red. */
export const CONSUMER_GRACE_MS = 60_000;

/** Default of PROJECTION_STALL_THRESHOLD_MS: a partition stalled longer turns readiness red. */
export const STALL_THRESHOLD_MS = 30_000;

export interface ProjectionConsumersOptions {
  kafka: KafkaConfig;
  /** Where the projections write: each batch in one transaction with its position. */
  dataSource: DataSource;
  logger: JsonLogger;
  metrics: ServiceMetrics;
  readiness: Readiness;
}

export interface ConsumedProjection<T> {
  topic: string;
  groupId: string;
  projection: Projection<T>;
  /** Partitions `topic` is created with when it does not exist yet; its dead-letter twin gets 1. */
  partitions: number;
  fromBeginning?: boolean;
  /**
   * The readiness probe that shows this consumer. A probe of its own shows the consumer's
   * state; consumers that name the same probe share it, each shown under its topic.
   */
  probe: string;
}

type Runner = Pick<
  ProjectionRunner<unknown>,
  'start' | 'stop' | 'consumerState' | 'stalledPartitions' | 'projectionName'
>;

/** Why a consumer has not started yet: the last error, how many tries, since when. */
interface StartFailure {
  error: string;
  attempts: number;
  since: number;
}

interface Consumer {
  topic: string;
  partitions: number;
  runner: Runner;
  startFailure?: StartFailure;
}

/**
 * The projections a service runs from Kafka into one of its databases, with the dead-letter
 * publisher they share. Each gets the standard metrics and a readiness probe, and starts in the
 * background (topics created first), so the service serves while Kafka is still away.
 */
export class ProjectionConsumers implements DeadLetterSource {
  private readonly kafka: Kafka;
  private readonly publisher: EventPublisher;
  private readonly consumers: Consumer[] = [];
  private readonly probes = new Map<string, Consumer[]>();
  private readonly deadLetterSets = new Map<string, ProjectionDeadLetters<unknown>>();
  private stopped = false;

  /** The operator's desk over these projections' dead letters (the ADMIN GraphQL fields use it). */
  readonly desk = new DeadLetterDesk(this);

  constructor(private readonly options: ProjectionConsumersOptions) {
    this.kafka = createKafka(options.kafka, options.logger);
    this.publisher = new EventPublisher(this.kafka);
    options.metrics.reportDeadLetters(() => this.deadLetterCounts());
  }

  /** Adds a projection; it starts with `start()`. */
  add<T>(spec: ConsumedProjection<T>): ProjectionRunner<T> {
    const { metrics } = this.options;
    const name = spec.projection.name;
    const settings = this.options.kafka.consumers;
    const runner = new ProjectionRunner<T>({
      kafka: this.kafka,
      groupId: spec.groupId,
      topic: spec.topic,
      projection: spec.projection,
      fromBeginning: spec.fromBeginning,
      dataSource: this.options.dataSource,
      deadLetters: this.publisher,
      logger: this.options.logger,
      onApplied: (events) => {
        const now = Date.now();
        metrics.eventsApplied.inc({ projection: name }, events.length);
        for (const { envelope } of events) {
          metrics.projectionLag.observe({ projection: name }, (now - Date.parse(envelope.occurredAt)) / 1000);
        }
      },
      onLag: (partition, lag) =>
        metrics.consumerLag.set({ projection: name, partition: String(partition) }, lag),
      lockTimeoutMs: settings?.lockTimeoutMs,
      fetchWaitMs: settings?.fetchWaitMs,
      retry: settings && { initialMs: settings.retryInitialMs, maxMs: settings.retryMaxMs },
      onRetry: ({ kind, reason }) => metrics.projectionRetries.inc({ projection: name, kind, reason }),
      onDeadLettered: ({ reason }) => metrics.deadLettered.inc({ projection: name, reason }),
    });
    metrics.reportStalls(name, () => runner.stalledPartitions());
    this.deadLetterSets.set(name, new ProjectionDeadLetters(this.options.dataSource, spec.projection));
    const consumer = { topic: spec.topic, partitions: spec.partitions, runner };
    this.consumers.push(consumer);
    this.addToProbe(spec.probe, consumer);
    return runner;
  }

  /** The operator's functions (list, replay, discard) over a projection's dead letters. */
  deadLetters(projection: string): ProjectionDeadLetters<unknown> {
    const found = this.deadLetterSets.get(projection);
    if (!found) throw new Error(`no projection named ${projection} here`);
    return found;
  }

  projectionNames(): string[] {
    return [...this.deadLetterSets.keys()];
  }

  /** Open dead letters and parked events per projection, for `/metrics` and the desk. */
  async deadLetterCounts(): Promise<{ projection: string; waiting: number; parked: number }[]> {
    const names = this.projectionNames();
    if (names.length === 0) return [];
    const rows = await this.options.dataSource.query<
      { projection: string; waiting: number; parked: number }[]
    >(
      `SELECT name AS projection,
              (SELECT count(*)::int FROM projection_dead_letters d WHERE d.projection = name AND d.status = 'open') AS waiting,
              (SELECT count(*)::int FROM projection_parked p WHERE p.projection = name) AS parked
       FROM unnest($1::text[]) AS name`,
      [names],
    );
    return rows;
  }

  /** Starts every consumer in the background, each retried until Kafka lets it join. */
  start(): void {
    for (const consumer of this.consumers) {
      const { topic, partitions, runner } = consumer;
      void retryUntilDone(
        async () => {
          await ensureTopics(
            this.kafka,
            [
              { topic, partitions },
              { topic: deadLetterTopic(topic), partitions: 1 },
            ],
            this.options.kafka.topics,
          );
          await runner.start();
          consumer.startFailure = undefined;
        },
        {
          isCancelled: () => this.stopped,
          onError: (error, attempt) => {
            const since = consumer.startFailure?.since ?? Date.now();
            consumer.startFailure = { error: String(error), attempts: attempt, since };
            this.options.logger.event('warn', 'projector cannot start yet', {
              topic,
              error: String(error),
              attempt,
            });
          },
        },
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { runner } of this.consumers) await runner.stop();
    await this.publisher.disconnect();
  }

  private addToProbe(probe: string, consumer: Consumer): void {
    const shared = this.probes.get(probe);
    if (shared) {
      shared.push(consumer);
      return;
    }
    const consumers = [consumer];
    this.probes.set(probe, consumers);
    const threshold = this.options.kafka.consumers?.stallThresholdMs ?? STALL_THRESHOLD_MS;
    this.options.readiness.add({
      name: probe,
      check: async () => {
        if (consumers.length === 1) return stateOf(consumers[0], threshold);
        const details: Record<string, unknown> = {};
        let up = true;
        for (const consumer of consumers) {
          const result = stateOf(consumer, threshold);
          up &&= result.up;
          details[consumer.topic] = result.details;
        }
        return { up, details };
      },
    });
  }
}

/**
 * Up once joined (or while starting within the grace period) and with no partition stalled
 * longer than the threshold; the details name each stalled partition with its error's kind,
 * reason and since when, below the threshold too, and why a consumer has not started yet
 * (e.g. no broker to reach) with the tries so far.
 */
function stateOf({ runner, startFailure }: Consumer, stallThresholdMs: number): ProbeResult {
  const { state, sinceMs, partitions } = runner.consumerState();
  const now = Date.now();
  const stalls = runner.stalledPartitions();
  const joined = state === 'joined' || (state === 'starting' && sinceMs < CONSUMER_GRACE_MS);
  const stalledTooLong = stalls.some((stall) => now - stall.since > stallThresholdMs);
  const details: Record<string, unknown> = {
    projection: runner.projectionName,
    consumer: state,
    forMs: sinceMs,
    // Which partitions this instance projects: with several instances, how the group split them.
    partitions,
  };
  if (startFailure) {
    details['notStarted'] = {
      reason: startFailure.error,
      attempts: startFailure.attempts,
      since: new Date(startFailure.since).toISOString(),
    };
  }
  if (stalls.length > 0) {
    details['stalled'] = stalls.map((stall) => describeStall(stall, now));
    details['stallThresholdMs'] = stallThresholdMs;
  }
  return { up: joined && !stalledTooLong, details };
}

function describeStall(stall: PartitionStall, now: number): Record<string, unknown> {
  return {
    topic: stall.topic,
    partition: stall.partition,
    kind: stall.kind,
    reason: stall.reason,
    error: stall.error,
    since: new Date(stall.since).toISOString(),
    forMs: now - stall.since,
    retries: stall.retries,
  };
}
