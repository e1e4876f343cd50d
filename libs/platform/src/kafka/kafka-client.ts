import { Kafka, logLevel, LogEntry } from 'kafkajs';
import { KafkaConfig, TopicSettings } from '../config/service-config';
import { JsonLogger } from '../logging/json-logger';
import { applyKafkajsIdleFix } from './kafkajs-idle-fix';

/**
 * The only place that builds a kafkajs client: kafkajs is unmaintained (kafkajs#1603), so it
 * stays behind EventPublisher and ProjectionRunner where another client could replace it.
 */
export function createKafka(config: KafkaConfig, logger: JsonLogger): Kafka {
  applyKafkajsIdleFix();
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log, namespace }: LogEntry) => {
        const { message, ...extra } = log;
        // We bound producer retries on purpose (the relay backs off and retries itself) and do
        // not rely on exactly-once: consumers skip what they applied. The warning is noise.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        logger.event(level === logLevel.ERROR ? 'error' : 'warn', `kafka: ${message}`, {
          namespace,
          ...extra,
        });
      },
  });
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/** A single local broker: one copy. Production sets 3 and 2 (infra/k8s/configmap.yaml). */
export const LOCAL_TOPIC_SETTINGS: TopicSettings = {
  replicationFactor: 1,
  minInsyncReplicas: 1,
  retentionMs: -1,
};

/**
 * Creates missing topics (and their dead-letter twins); existing ones are left as they are, so a
 * change of these settings is applied to old topics by an operator (kafka-configs), not here.
 * Domain event topics keep their full history (`retention.ms=-1`): the outbox deletes sent rows
 * after an hour, so the topic is the only copy a projection can be rebuilt from. An acknowledged
 * write (acks=all) is on `min.insync.replicas` brokers, and a replica that missed writes never
 * becomes leader (`unclean.leader.election.enable=false`): Kafka refuses rather than loses.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly TopicSpec[],
  settings: TopicSettings = LOCAL_TOPIC_SETTINGS,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: settings.replicationFactor,
          configEntries: topicConfig(settings),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

export function topicConfig(settings: TopicSettings): { name: string; value: string }[] {
  return [
    { name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) },
    { name: 'unclean.leader.election.enable', value: 'false' },
    { name: 'retention.ms', value: String(settings.retentionMs) },
  ];
}
