import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { testSettings } from '@voltstream/testing';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { EnvReader } from '../config/env-reader';
import { readKafkaConfig } from '../config/service-config';
import { ensureTopics } from './kafka-client';

const settings = testSettings();
const kafka = new Kafka({
  clientId: 'topic-settings-test',
  brokers: settings.kafkaBrokers,
  logLevel: logLevel.NOTHING,
});

describe('topics a service creates', () => {
  it('keep the full history, refuse unclean leaders and take their durability from the environment', async () => {
    // What the environment of a local stack gives: one copy, one in sync (production: 3 and 2).
    const config = readKafkaConfig(new EnvReader({ KAFKA_BROKERS: settings.kafkaBrokers.join(',') }), 'test');
    assert.deepEqual(config.topics, { replicationFactor: 1, minInsyncReplicas: 1, retentionMs: -1 });
    const production = readKafkaConfig(
      new EnvReader({
        KAFKA_BROKERS: 'k:9092',
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      }),
      'test',
    );
    assert.deepEqual(production.topics, { replicationFactor: 3, minInsyncReplicas: 2, retentionMs: -1 });

    const topic = `test.topic-settings.${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ topic, partitions: 2 }], config.topics);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: topic,
            configNames: ['retention.ms', 'min.insync.replicas', 'unclean.leader.election.enable'],
          },
        ],
      });
      const entries = Object.fromEntries(
        described.resources[0].configEntries.map((entry) => [entry.configName, entry.configValue]),
      );
      assert.deepEqual(entries, {
        'retention.ms': '-1',
        'min.insync.replicas': '1',
        'unclean.leader.election.enable': 'false',
      });
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      assert.equal(metadata.partitions.length, 2);
      assert.ok(metadata.partitions.every((p) => p.replicas.length === 1));
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
