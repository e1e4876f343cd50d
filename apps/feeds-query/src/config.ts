import { FAN_OUT_THRESHOLD, FEED_ROWS_PER_USER, FOLLOW_BACKFILL } from '@voltstream/feeds';
import { EnvReader, readReadSideConfig, ReadSideConfig } from '@voltstream/platform';

/** The fan-out rules of libs/feeds; settable so that tests can reach them with a few users. */
export interface FeedRules {
  /** Authors with more followers than this are read at query time, not copied into feeds. */
  fanOutThreshold: number;
  /** Feed rows kept per user, newest first. */
  feedCap: number;
  /** How many of a followee's newest activities a follow copies into the follower's feed. */
  followBackfill: number;
}

export const DEFAULT_FEED_RULES: FeedRules = {
  fanOutThreshold: FAN_OUT_THRESHOLD,
  feedCap: FEED_ROWS_PER_USER,
  followBackfill: FOLLOW_BACKFILL,
};

export interface FeedsQueryConfig extends ReadSideConfig {
  /** Consumer group of the feeds read model on feeds.events. */
  consumerGroup: string;
  /** Consumer group of the users table (who exists, for `user(id)`) on identity.events. */
  usersConsumerGroup: string;
  feedsTopicPartitions: number;
  identityTopicPartitions: number;
  feed: FeedRules;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FeedsQueryConfig {
  const reader = new EnvReader(env);
  const config = {
    ...readReadSideConfig(reader, { serviceName: 'feeds-query', port: 4302, database: 'feeds_read' }),
    consumerGroup: reader.string('FEEDS_PROJECTION_GROUP', 'feeds-query'),
    usersConsumerGroup: reader.string('USERS_PROJECTION_GROUP', 'feeds-query.users'),
    feedsTopicPartitions: reader.int('FEEDS_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    identityTopicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    feed: {
      fanOutThreshold: reader.int('FEED_FANOUT_THRESHOLD', FAN_OUT_THRESHOLD, { min: 0 }),
      feedCap: reader.int('FEED_CAP', FEED_ROWS_PER_USER, { min: 1, max: 100_000 }),
      followBackfill: reader.int('FEED_FOLLOW_BACKFILL', FOLLOW_BACKFILL, { min: 0, max: 10_000 }),
    },
  };
  reader.done();
  return config;
}
