import { deadLetterTopic, Topics } from '@voltstream/contracts';
import {
  Authenticator,
  createKafka,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  Projection,
  ProjectionRunner,
  Readiness,
  retryUntilDone,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AchievementAwarder } from './achievements/achievement-awarder';
import { BillingFactsProjection } from './achievements/billing-facts.projection';
import { LearningFactsProjection } from './achievements/learning-facts.projection';
import { CompleteLessonHandler } from './complete-lesson/complete-lesson.handler';
import { FeedsCommandConfig } from './config';
import { EnrollHandler } from './enroll/enroll.handler';
import { FollowHandler } from './follow/follow.handler';
import { FeedsCommandSchema1735000000000 } from './migrations/1735000000000-feeds-command-schema';
import { PostUpdateHandler } from './post-update/post-update.handler';
import { PublishCourseHandler } from './publish-course/publish-course.handler';
import { FeedsOutbox } from './shared/feeds-outbox';
import { UsersProjection } from './users/users.projection';

/** How long a consumer may stay unjoined (booting, rebalancing) before readiness turns red. */
const CONSUMER_GRACE_MS = 60_000;

type Projector = Pick<ProjectionRunner<unknown>, 'start' | 'stop' | 'consumerState'>;

/**
 * Everything feeds-command runs on: its database with the outbox relay, the users it learns
 * from identity.events, and the achievement processors over feeds.events and billing.events,
 * which award in this database and emit through the same outbox.
 */
export class FeedsCommandRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly auth: Authenticator;
  readonly writeSide: WriteSide;
  readonly db: DataSource;
  readonly publishCourse: PublishCourseHandler;
  readonly enroll: EnrollHandler;
  readonly completeLesson: CompleteLessonHandler;
  readonly follow: FollowHandler;
  readonly postUpdate: PostUpdateHandler;
  private readonly projectors: { name: string; topic: string; partitions: number; runner: Projector }[];
  private readonly kafka: Kafka;
  private readonly deadLetters: EventPublisher;
  private stopped = false;

  constructor(
    readonly config: FeedsCommandConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.auth = Authenticator.fromConfig(config.auth);
    this.writeSide = new WriteSide({
      service: name,
      postgres: config.postgres,
      kafka: config.kafka,
      topic: Topics.feeds,
      topicPartitions: config.feedsTopicPartitions,
      migrations: [FeedsCommandSchema1735000000000],
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const outbox = new FeedsOutbox(name);
    this.publishCourse = new PublishCourseHandler(this.db, outbox);
    this.enroll = new EnrollHandler(this.db, outbox);
    this.completeLesson = new CompleteLessonHandler(this.db, outbox);
    this.follow = new FollowHandler(this.db, outbox, config.followeeWaitMs);
    this.postUpdate = new PostUpdateHandler(this.db, outbox);

    this.kafka = createKafka(config.kafka, logger);
    this.deadLetters = new EventPublisher(this.kafka);
    const awarder = new AchievementAwarder(outbox);
    const groups = config.consumerGroups;
    this.projectors = [
      {
        name: 'users',
        topic: Topics.identity,
        partitions: config.identityTopicPartitions,
        runner: this.runnerFor(Topics.identity, groups.users, new UsersProjection()),
      },
      {
        name: 'achievements',
        topic: Topics.feeds,
        partitions: config.feedsTopicPartitions,
        runner: this.runnerFor(Topics.feeds, groups.achievements, new LearningFactsProjection(awarder)),
      },
      {
        name: 'billing-achievements',
        topic: Topics.billing,
        partitions: config.billingTopicPartitions,
        runner: this.runnerFor(
          Topics.billing,
          groups.billingAchievements,
          new BillingFactsProjection(awarder),
        ),
      },
    ];
    for (const { name: probe, runner } of this.projectors) {
      this.readiness.add({
        name: probe,
        check: async () => {
          const { state, sinceMs } = runner.consumerState();
          const up = state === 'joined' || (state === 'starting' && sinceMs < CONSUMER_GRACE_MS);
          return { up, details: { consumer: state, forMs: sinceMs } };
        },
      });
    }
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    // Consumers join in the background: commands are taken while Kafka is still away.
    for (const { topic, partitions, runner } of this.projectors) {
      void retryUntilDone(
        async () => {
          await ensureTopics(this.kafka, [
            { topic, partitions },
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
    await this.writeSide.stop();
  }

  private runnerFor<T>(topic: string, groupId: string, projection: Projection<T>): Projector {
    return new ProjectionRunner<T>({
      kafka: this.kafka,
      groupId,
      topic,
      projection,
      dataSource: this.db,
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
}
