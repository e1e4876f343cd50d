import {
  AuthConfig,
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readAuthConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  ServiceConfig,
} from '@voltstream/platform';

export interface FeedsCommandConfig {
  service: ServiceConfig;
  auth: AuthConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  feedsTopicPartitions: number;
  identityTopicPartitions: number;
  billingTopicPartitions: number;
  energyTopicPartitions: number;
  consumerGroups: {
    /** Users known to feeds (the followee must exist), from identity.events. */
    users: string;
    /** Achievement facts from feeds.events. */
    achievements: string;
    /** Achievement facts from billing.events: its own group, since a group shares one subscription. */
    billingAchievements: string;
    /** Monthly consumption from energy.events. */
    energyAchievements: string;
  };
  /** How long follow waits for a user registered a moment ago to arrive from identity.events. */
  followeeWaitMs: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): FeedsCommandConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'feeds-command', 4301),
    auth: readAuthConfig(reader),
    postgres: readPostgresConfig(reader, 'feeds_command', false),
    kafka: readKafkaConfig(reader, 'feeds-command'),
    feedsTopicPartitions: reader.int('FEEDS_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    identityTopicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    billingTopicPartitions: reader.int('BILLING_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    energyTopicPartitions: reader.int('ENERGY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    consumerGroups: {
      users: reader.string('FEEDS_USERS_CONSUMER_GROUP', 'feeds-command.users'),
      achievements: reader.string('FEEDS_ACHIEVEMENTS_CONSUMER_GROUP', 'feeds-command.achievements'),
      billingAchievements: reader.string(
        'FEEDS_BILLING_ACHIEVEMENTS_CONSUMER_GROUP',
        'feeds-command.achievements.billing',
      ),
      energyAchievements: reader.string(
        'FEEDS_ENERGY_ACHIEVEMENTS_CONSUMER_GROUP',
        'feeds-command.achievements.energy',
      ),
    },
    followeeWaitMs: reader.int('FOLLOWEE_WAIT_MS', 5000, { min: 0, max: 60_000 }),
  };
  reader.done();
  return config;
}
