// The service registry (metadata.voltstream in each app's project.json) against the code, the
// local start, docker-compose.yml and the rendered infra/k8s (`kubectl kustomize`). Needs the
// build (dist/): the services' compiled configs say what they read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { env as localInfraEnv } from '../../infra/local/infra.mjs';
import { APPS, portOf, serviceEnv } from '../lib/apps.mjs';
import { checkAutoscaling } from '../lib/checks/autoscaling.mjs';
import { checkCode } from '../lib/checks/code.mjs';
import { checkKafka, checkPostgres } from '../lib/checks/engines.mjs';
import { checkK8s, loadK8s } from '../lib/checks/k8s.mjs';
import { checkCompose, checkLocal, loadCompose } from '../lib/checks/local-and-compose.mjs';
import { loadRegistry } from '../lib/registry.mjs';

const registry = loadRegistry();
const k8s = loadK8s();
const compose = loadCompose();
const clone = (value) => JSON.parse(JSON.stringify(value));
/** The check reports `problem` (among whatever else is wrong with the real files at the time). */
const reports = (problems, problem) =>
  assert.ok(problems.includes(problem), `not reported: ${problem}\n${problems.join('\n')}`);
const deployment = (resources, name) =>
  resources.resources.find((r) => r.kind === 'Deployment' && r.metadata.name === name).spec.template.spec
    .containers[0];

describe('service registry', () => {
  it('lists every variable each service reads, its port, database, probes and the subgraphs as the code has them', () => {
    assert.deepEqual(checkCode(registry), []);
  });

  it('is what local start runs: every service, in an order that starts the gateway after its subgraphs', () => {
    assert.deepEqual(
      APPS.map((a) => a.name),
      registry.map((s) => s.name),
    );
    const gateway = APPS.findIndex((a) => a.name === 'gateway');
    for (const dependency of APPS[gateway].dependsOn.filter((d) => APPS.some((a) => a.name === d)))
      assert.ok(APPS.findIndex((a) => a.name === dependency) < gateway, dependency);
  });

  it('local start sets every variable without a default and points every peer URL at the peer', () => {
    for (const profile of ['dev', 'test'])
      assert.deepEqual(checkLocal(registry, serviceEnv, portOf, localInfraEnv(), profile), []);
  });

  it('docker-compose.yml configures every service fully and waits for what each depends on', () => {
    assert.deepEqual(checkCompose(registry, compose), []);
  });

  it('infra/k8s sets every required variable, secrets from Secrets that exist, the gateway every subgraph', () => {
    assert.deepEqual(checkK8s(registry, k8s), []);
  });

  it('infra/k8s declares every topic of the code as a Strimzi KafkaTopic with 3 replicas, min ISR 2, full retention', () => {
    assert.deepEqual(checkKafka(k8s), []);
  });

  it("infra/k8s scales each service once: consumers on their groups' Kafka lag (KEDA) and CPU, the rest on CPU", () => {
    assert.deepEqual(checkAutoscaling(registry, k8s), []);
  });

  it('infra/k8s runs Postgres as a CloudNativePG cluster with replicas: commands on -rw, queries on -ro', () => {
    assert.deepEqual(checkPostgres(registry, k8s), []);
  });
});

describe('the deployment checks catch', () => {
  it('a variable a service requires removed from a k8s Deployment', () => {
    const broken = clone(k8s);
    const gateway = deployment(broken, 'gateway');
    gateway.env = gateway.env.filter((e) => e.name !== 'FEEDS_QUERY_URL');
    reports(checkK8s(registry, broken), 'k8s: gateway requires FEEDS_QUERY_URL, which is not set');
  });

  it('a secret set as a literal, and a Secret that secret.example.yaml does not have', () => {
    const broken = clone(k8s);
    deployment(broken, 'gateway').env.push({ name: 'REDIS_URL', value: 'redis://cache:6379' });
    broken.secrets = broken.secrets.filter((s) => s.metadata.name !== 'voltstream-payment-provider');
    const problems = checkK8s(registry, broken);
    reports(problems, "k8s: gateway's REDIS_URL is a secret but comes from a literal");
    reports(
      problems,
      'k8s: billing-command: PAYMENT_WEBHOOK_SECRET refers to secret voltstream-payment-provider key PAYMENT_WEBHOOK_SECRET, which does not exist',
    );
  });

  it('a compose service that reaches a peer on the wrong port', () => {
    const broken = clone(compose);
    broken.services.gateway.environment.BILLING_QUERY_URL = 'http://billing-query:4201/graphql';
    reports(
      checkCompose(registry, broken),
      'compose: gateway: BILLING_QUERY_URL=http://billing-query:4201/graphql does not reach billing-query (billing-query:4202/graphql)',
    );
  });

  it('a topic of the code without its KafkaTopic, and a query service reading from the primary', () => {
    const broken = clone(k8s);
    broken.resources = broken.resources.filter(
      (r) => !(r.kind === 'KafkaTopic' && r.spec.topicName === 'feeds.events'),
    );
    reports(checkKafka(broken), 'k8s: no KafkaTopic for feeds.events, which the code uses');
    broken.secrets[0].stringData.READ_REPLICA_URLS = 'postgres://voltstream:x@voltstream-pg-rw:5432';
    reports(
      checkPostgres(registry, broken),
      "k8s: energy-query reads from voltstream-pg-rw, not the replicas' voltstream-pg-ro Service",
    );
  });

  it('a projector scaled on another group than the one its code joins, and a second autoscaler', () => {
    const broken = clone(k8s);
    const scaled = broken.resources.find(
      (r) => r.kind === 'ScaledObject' && r.metadata.name === 'energy-query',
    );
    scaled.spec.triggers.find((t) => t.type === 'kafka').metadata.consumerGroup = 'energy-query';
    broken.resources.push({
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'gateway-cpu' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'gateway' }, minReplicas: 2, metrics: [] },
    });
    const problems = checkAutoscaling(registry, broken);
    reports(
      problems,
      'k8s: energy-query does not scale on the lag of its consumer group energy-query.read-model (energy.events)',
    );
    reports(problems, 'k8s: energy-query scales on consumer group energy-query, which it does not join');
    reports(
      problems,
      'k8s: gateway has 2 HorizontalPodAutoscalers and 0 ScaledObjects, expected one autoscaler',
    );
  });

  it('a consumer group the code reads that the registry does not list with its topic', () => {
    const broken = clone(registry);
    delete broken.find((s) => s.name === 'feeds-command').consumes.FEEDS_ENERGY_ACHIEVEMENTS_CONSUMER_GROUP;
    reports(
      checkCode(broken),
      'feeds-command: its config reads the consumer group FEEDS_ENERGY_ACHIEVEMENTS_CONSUMER_GROUP, consumes does not list it',
    );
  });

  it('a variable the code reads that the registry does not list', () => {
    const broken = clone(registry);
    delete broken.find((s) => s.name === 'billing-command').env.PAYMENT_WEBHOOK_SECRET;
    reports(
      checkCode(broken),
      'billing-command: its config reads PAYMENT_WEBHOOK_SECRET, the registry does not list it',
    );
  });
});
