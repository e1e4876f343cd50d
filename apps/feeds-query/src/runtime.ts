import { Topics } from '@voltstream/contracts';
import {
  Authenticator,
  JsonLogger,
  Readiness,
  ReadSide,
  ServiceMetrics,
  Stoppable,
} from '@voltstream/platform';
import { FeedsQueryConfig } from './config';
import { FEEDS_READ_MIGRATIONS } from './migrations';
import { publishFeedUpdates } from './projection/feed-updates';
import { FeedsProjection } from './projection/feeds-projection';
import { UsersProjection } from './projection/users-projection';

/** Everything feeds-query runs on: its read side (Redis for live updates) and the two projectors. */
export class FeedsQueryRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly auth: Authenticator;
  readonly metrics: ServiceMetrics;
  readonly readSide: ReadSide;
  readonly projection: FeedsProjection;

  constructor(
    readonly config: FeedsQueryConfig,
    readonly logger: JsonLogger,
  ) {
    this.metrics = new ServiceMetrics(config.service.serviceName);
    this.auth = Authenticator.fromConfig(config.auth);
    this.readSide = new ReadSide({
      config,
      migrations: FEEDS_READ_MIGRATIONS,
      // A Redis outage only costs live feed updates until it is back.
      redisProbe: { name: 'redis' },
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    const redis = this.readSide.redis;
    this.projection = new FeedsProjection(config.feed);
    const feeds = this.projection;
    this.readSide.addProjection({
      topic: Topics.feeds,
      groupId: config.consumerGroup,
      partitions: config.feedsTopicPartitions,
      probe: 'projectors',
      projection: {
        name: feeds.name,
        apply: (events, tx) => feeds.apply(events, tx),
        // Only after the commit: a subscriber never hears of what `feed` cannot show yet.
        afterCommit: (result) => publishFeedUpdates(redis, result.updates),
      },
    });
    this.readSide.addProjection({
      topic: Topics.identity,
      groupId: config.usersConsumerGroup,
      partitions: config.identityTopicPartitions,
      probe: 'projectors',
      projection: new UsersProjection(),
    });
  }

  start(): Promise<void> {
    return this.readSide.start();
  }

  /** The read databases alone (migrated, routed), without consuming: what queries need. */
  startReads(): Promise<void> {
    return this.readSide.startReads();
  }

  stop(): Promise<void> {
    return this.readSide.stop();
  }
}
