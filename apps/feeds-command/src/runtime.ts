import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  EventOutbox,
  JsonLogger,
  ProjectionConsumers,
  ProjectionDeadLetters1767300000000,
  Readiness,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { AchievementAwarder } from './achievements/achievement-awarder';
import { BillingFactsProjection } from './achievements/billing-facts.projection';
import { EnergyFactsProjection } from './achievements/energy-facts.projection';
import { LearningFactsProjection } from './achievements/learning-facts.projection';
import { CompleteLessonHandler } from './complete-lesson/complete-lesson.handler';
import { FeedsCommandConfig } from './config';
import { EnrollHandler } from './enroll/enroll.handler';
import { FollowHandler } from './follow/follow.handler';
import { FeedsCommandSchema1735000000000 } from './migrations/1735000000000-feeds-command-schema';
import { EnergyFacts1767400000000 } from './migrations/1767400000000-energy-facts';
import { PostUpdateHandler } from './post-update/post-update.handler';
import { PublishCourseHandler } from './publish-course/publish-course.handler';
import { UsersProjection } from './users/users.projection';

/**
 * Everything feeds-command runs on: its database with the outbox relay, the users it learns
 * from identity.events, and the achievement processors over feeds.events, billing.events and
 * energy.events, which award in this database and emit through the same outbox.
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
  readonly consumers: ProjectionConsumers;

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
      migrations: [
        FeedsCommandSchema1735000000000,
        ProjectionDeadLetters1767300000000,
        EnergyFacts1767400000000,
      ],
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const outbox = new EventOutbox(name, Topics.feeds);
    this.publishCourse = new PublishCourseHandler(this.db, outbox);
    this.enroll = new EnrollHandler(this.db, outbox);
    this.completeLesson = new CompleteLessonHandler(this.db, outbox);
    this.follow = new FollowHandler(this.db, outbox, config.followeeWaitMs);
    this.postUpdate = new PostUpdateHandler(this.db, outbox);

    this.consumers = new ProjectionConsumers({
      kafka: config.kafka,
      dataSource: this.db,
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    const awarder = new AchievementAwarder(outbox);
    const groups = config.consumerGroups;
    this.consumers.add({
      topic: Topics.identity,
      groupId: groups.users,
      partitions: config.identityTopicPartitions,
      probe: 'users',
      projection: new UsersProjection(),
    });
    this.consumers.add({
      topic: Topics.feeds,
      groupId: groups.achievements,
      partitions: config.feedsTopicPartitions,
      probe: 'achievements',
      projection: new LearningFactsProjection(awarder),
    });
    this.consumers.add({
      topic: Topics.billing,
      groupId: groups.billingAchievements,
      partitions: config.billingTopicPartitions,
      probe: 'billing-achievements',
      projection: new BillingFactsProjection(awarder),
    });
    this.consumers.add({
      topic: Topics.energy,
      groupId: groups.energyAchievements,
      partitions: config.energyTopicPartitions,
      probe: 'energy-achievements',
      projection: new EnergyFactsProjection(awarder),
    });
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    // Consumers join in the background: commands are taken while Kafka is still away.
    this.consumers.start();
  }

  async stop(): Promise<void> {
    await this.consumers.stop();
    await this.writeSide.stop();
  }
}
