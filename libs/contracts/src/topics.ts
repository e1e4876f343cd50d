/** Kafka topics, one per domain; the key of every message is the aggregate id. */
export const Topics = {
  identity: 'identity.events',
  energy: 'energy.events',
  billing: 'billing.events',
  feeds: 'feeds.events',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Where a consumer parks a message it could not apply after bounded retries. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;
