// The engines in infra/k8s: Strimzi's Kafka and KafkaTopics against the topics of the code, and
// CloudNativePG's Cluster against the databases and the URLs the services use.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { envName } from '../registry.mjs';
import { root } from '../run.mjs';
import { deployedIn, NAMESPACE } from './common.mjs';
import { containerEnv, named, ofKind } from './k8s.mjs';

const require = createRequire(import.meta.url);

/** Strimzi: a KafkaTopic for every topic of the code, durable, and the brokers the services reach. */
export function checkKafka(k8s) {
  const problems = [];
  const { Topics, deadLetterTopic } = require(join(root, 'dist/libs/contracts/src/index.js'));
  const config = ofKind(k8s, 'ConfigMap').find((c) => c.metadata.name === 'voltstream-shared')?.data ?? {};
  const kafkas = ofKind(k8s, 'Kafka');
  if (kafkas.length !== 1) return [`k8s: ${kafkas.length} Strimzi Kafka clusters, expected one`];
  const kafka = kafkas[0];
  const brokers = ofKind(k8s, 'KafkaNodePool')
    .filter(
      (p) =>
        p.metadata.labels?.['strimzi.io/cluster'] === kafka.metadata.name && p.spec.roles.includes('broker'),
    )
    .reduce((sum, p) => sum + p.spec.replicas, 0);
  if (brokers < 3)
    problems.push(`k8s: Kafka ${kafka.metadata.name} has ${brokers} brokers, three copies need at least 3`);
  const listener = kafka.spec.kafka.listeners.find((l) => l.type === 'internal' && !l.tls);
  const bootstrap = `${kafka.metadata.name}-kafka-bootstrap:${listener?.port}`;
  if (
    config.KAFKA_BROKERS !== bootstrap &&
    config.KAFKA_BROKERS !== bootstrap.replace(':', `.${NAMESPACE}.svc:`)
  )
    problems.push(`k8s: KAFKA_BROKERS is ${config.KAFKA_BROKERS}, Strimzi's plain listener is ${bootstrap}`);
  const topics = ofKind(k8s, 'KafkaTopic');
  const declared = topics.map((t) => t.spec.topicName ?? t.metadata.name);
  const domain = Object.entries(Topics);
  const expected = domain.flatMap(([, topic]) => [topic, deadLetterTopic(topic)]);
  for (const topic of expected)
    if (!declared.includes(topic)) problems.push(`k8s: no KafkaTopic for ${topic}, which the code uses`);
  for (const topic of declared)
    if (!expected.includes(topic)) problems.push(`k8s: KafkaTopic ${topic} is not a topic of the code`);
  const want = {
    replicas: Number(config.KAFKA_REPLICATION_FACTOR),
    minIsr: Number(config.KAFKA_MIN_INSYNC_REPLICAS),
    retention: Number(config.KAFKA_EVENT_RETENTION_MS),
  };
  if (want.replicas < 3 || want.minIsr < 2)
    problems.push(
      `k8s: KAFKA_REPLICATION_FACTOR ${want.replicas} / KAFKA_MIN_INSYNC_REPLICAS ${want.minIsr}, production needs 3 / 2`,
    );
  for (const topic of topics) {
    const name = topic.spec.topicName ?? topic.metadata.name;
    if (topic.metadata.labels?.['strimzi.io/cluster'] !== kafka.metadata.name)
      problems.push(`k8s: KafkaTopic ${name} is not labelled for cluster ${kafka.metadata.name}`);
    if (topic.spec.replicas !== want.replicas)
      problems.push(
        `k8s: KafkaTopic ${name} has ${topic.spec.replicas} replicas, KAFKA_REPLICATION_FACTOR ${want.replicas}`,
      );
    if (Number(topic.spec.config?.['min.insync.replicas']) !== want.minIsr)
      problems.push(`k8s: KafkaTopic ${name} min.insync.replicas is not ${want.minIsr}`);
    if (Number(topic.spec.config?.['retention.ms']) !== want.retention)
      problems.push(`k8s: KafkaTopic ${name} retention.ms is not ${want.retention}`);
    const owner = domain.find(([, t]) => t === name);
    // Dead-letter topics are created with one partition (libs/platform), domain topics with <DOMAIN>_TOPIC_PARTITIONS.
    const partitions = owner ? Number(config[`${envName(owner[0])}_TOPIC_PARTITIONS`]) : 1;
    if (topic.spec.partitions !== partitions)
      problems.push(
        `k8s: KafkaTopic ${name} has ${topic.spec.partitions} partitions, the services ${partitions}`,
      );
  }
  return problems;
}

/** CloudNativePG: a replicated cluster, every database, commands on `-rw` and queries on `-ro`. */
export function checkPostgres(registry, k8s) {
  const problems = [];
  const clusters = ofKind(k8s, 'Cluster').filter((c) => c.apiVersion.startsWith('postgresql.cnpg.io/'));
  if (clusters.length !== 1) return [`k8s: ${clusters.length} CloudNativePG Clusters, expected one`];
  const cluster = clusters[0];
  if (!(cluster.spec.instances >= 3))
    problems.push(
      `k8s: Cluster ${cluster.metadata.name} has ${cluster.spec.instances} instances: a primary and two replicas need 3`,
    );
  const databases = ofKind(k8s, 'Database')
    .filter((d) => d.spec.cluster?.name === cluster.metadata.name)
    .map((d) => d.spec.name);
  const hostOf = (url) => new URL(url).hostname;
  const isService = (host, role) =>
    host === `${cluster.metadata.name}-${role}` ||
    host.startsWith(`${cluster.metadata.name}-${role}.${NAMESPACE}.svc`);
  for (const service of deployedIn(registry, 'k8s')) {
    if (service.database && !databases.includes(service.database))
      problems.push(
        `k8s: no Database ${service.database} (${service.name}) in Cluster ${cluster.metadata.name}`,
      );
    const container = named(k8s, 'Deployment', service.name)?.spec.template.spec.containers[0];
    if (!container) continue;
    const { env } = containerEnv(k8s, container);
    if (
      service.env.DATABASE_URL &&
      env.get('DATABASE_URL') &&
      !isService(hostOf(env.get('DATABASE_URL').value), 'rw')
    )
      problems.push(
        `k8s: ${service.name}'s DATABASE_URL is not the primary's ${cluster.metadata.name}-rw Service`,
      );
    if (service.env.READ_REPLICA_URLS && env.get('READ_REPLICA_URLS'))
      for (const url of env.get('READ_REPLICA_URLS').value.split(','))
        if (!isService(hostOf(url.trim()), 'ro'))
          problems.push(
            `k8s: ${service.name} reads from ${hostOf(url)}, not the replicas' ${cluster.metadata.name}-ro Service`,
          );
  }
  return problems;
}
