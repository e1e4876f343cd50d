// Checks of the service registry (scripts/lib/registry.mjs) against the code that reads the
// environment, the local start, docker-compose.yml and the rendered infra/k8s. Each check returns
// the problems it found, one sentence each; scripts/tests/registry.test.mjs expects none.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { envName, INFRASTRUCTURE } from './registry.mjs';
import { root } from './run.mjs';

const require = createRequire(import.meta.url);
const NAMESPACE = 'voltstream';
/** Set for every container by the image or the platform, read by Node or the Dockerfile, not by a config. */
const PLATFORM_ENV = ['APP', 'NODE_OPTIONS', 'NODE_ENV', 'KAFKAJS_NO_PARTITIONER_WARNING'];
/** Which variable makes a service depend on which piece of infrastructure. */
const INFRA_ENV = {
  postgres: 'DATABASE_URL',
  'postgres-replica': 'READ_REPLICA_URLS',
  kafka: 'KAFKA_BROKERS',
  redis: 'REDIS_URL',
};

export const deployedIn = (registry, target) => registry.filter((s) => s.deployments.includes(target));

/**
 * What a service's compiled config reads, found by running its readConfig on an environment that
 * records every lookup: the names, those it cannot do without, and its defaults.
 */
export function codeEnv(service) {
  const { readConfig } = require(join(root, 'dist/apps', service.name, 'src/config.js'));
  const read = new Set();
  const recording = new Proxy(
    {},
    { get: (_, name) => (typeof name === 'string' && read.add(name), undefined) },
  );
  let required = [];
  try {
    readConfig(recording);
  } catch (error) {
    if (!error.problems) throw error;
    required = error.problems.map((p) => /^(\w+) is required$/.exec(p)?.[1]).filter(Boolean);
  }
  const defaults = readConfig(Object.fromEntries(required.map((name) => [name, sampleValue(name)])));
  return { read: [...read], required, port: defaults.service.port, database: defaults.postgres?.database };
}

const sampleValue = (name) =>
  ({ DATABASE_URL: 'postgres://db', REDIS_URL: 'redis://cache', KAFKA_BROKERS: 'kafka:9092' })[name] ?? 'x';

const gatewaySubgraphs = () => JSON.parse(readFileSync(join(root, 'apps/gateway/subgraphs.json'), 'utf8'));

/** The registry against the code: env names, required variables, ports, databases, probes, subgraphs. */
export function checkCode(registry) {
  const problems = [];
  const names = new Set(registry.map((s) => s.name));
  for (const service of registry) {
    const code = codeEnv(service);
    const expected = new Set(code.read);
    // The gateway reads `<SUBGRAPH>_URL` for each subgraph of the supergraph when it boots.
    if (service.name === 'gateway')
      for (const { name } of gatewaySubgraphs()) expected.add(`${envName(name)}_URL`);
    const listed = Object.keys(service.env);
    for (const name of expected)
      if (!listed.includes(name))
        problems.push(`${service.name}: its config reads ${name}, the registry does not list it`);
    for (const name of listed)
      if (!expected.has(name))
        problems.push(`${service.name}: the registry lists ${name}, its config does not read it`);
    for (const name of code.required)
      if (!service.env[name]?.required)
        problems.push(`${service.name}: ${name} has no default in the code, the registry calls it optional`);
    if (code.port !== service.port)
      problems.push(`${service.name}: the registry says port ${service.port}, the code ${code.port}`);
    if (code.database !== service.database)
      problems.push(
        `${service.name}: the registry says database ${service.database}, the code ${code.database}`,
      );
    for (const dependency of service.dependsOn)
      if (!INFRASTRUCTURE.includes(dependency) && !names.has(dependency))
        problems.push(
          `${service.name}: depends on ${dependency}, which is neither infrastructure nor a service`,
        );
    for (const [infra, variable] of Object.entries(INFRA_ENV))
      if (service.dependsOn.includes(infra) !== Boolean(service.env[variable]))
        problems.push(`${service.name}: dependsOn ${infra} and reading ${variable} disagree`);
    for (const [name, spec] of Object.entries(service.env))
      if (spec.peer && spec.peer !== service.name && !service.dependsOn.includes(spec.peer))
        problems.push(`${service.name}: ${name} is a URL of ${spec.peer}, which dependsOn does not list`);
  }
  const subgraphs = gatewaySubgraphs();
  const registered = registry.filter((s) => s.graphql).map((s) => s.name);
  if (
    subgraphs
      .map((s) => s.name)
      .sort()
      .join() !== [...registered].sort().join()
  )
    problems.push(
      `subgraphs.json has ${subgraphs.map((s) => s.name)}, the registry's subgraphs are ${registered}`,
    );
  for (const subgraph of subgraphs) {
    const service = registry.find((s) => s.name === subgraph.name);
    const url = new URL(subgraph.url);
    if (service && (Number(url.port) !== service.port || url.pathname !== service.graphql))
      problems.push(
        `subgraphs.json: ${subgraph.name} at ${subgraph.url}, the registry says :${service.port}${service.graphql}`,
      );
  }
  const probes = controllerRoutes();
  for (const service of registry)
    for (const [kind, path] of Object.entries(service.probes))
      if (!probes.includes(path))
        problems.push(`${service.name}: probe ${kind} ${path} is not a route of the platform (${probes})`);
  const e2e = JSON.parse(
    readFileSync(join(root, 'apps/gateway-e2e/project.json'), 'utf8'),
  ).implicitDependencies;
  for (const service of registry)
    if (!e2e.includes(service.name))
      problems.push(`gateway-e2e: implicitDependencies lacks ${service.name}, which its tests run`);
  const exposed = /^EXPOSE (.+)$/m
    .exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))[1]
    .split(/\s+/)
    .map(Number);
  const ports = registry.map((s) => s.port);
  if ([...exposed].sort().join() !== [...ports].sort().join())
    problems.push(`Dockerfile EXPOSE ${exposed}, the registry's ports are ${ports}`);
  return problems;
}

/** `@Controller('health')` + `@Get('live')` → `/health/live`, from the platform's controllers. */
function controllerRoutes() {
  const routes = [];
  for (const file of [
    'libs/platform/src/health/health.controller.ts',
    'libs/platform/src/metrics/metrics.controller.ts',
  ]) {
    const source = readFileSync(join(root, file), 'utf8');
    const prefix = /@Controller\('([^']*)'\)/.exec(source)[1];
    for (const [, path] of source.matchAll(/@Get\((?:'([^']*)')?\)/g))
      routes.push(`/${[prefix, path].filter(Boolean).join('/')}`);
  }
  return routes;
}

/** Whether `value` is a URL of `peer` at `host:port` and the registry's path. */
function peerProblem(service, name, spec, value, host, port) {
  let url;
  try {
    url = new URL(value);
  } catch {
    return `${service.name}: ${name} is not a URL: ${value}`;
  }
  const path = spec.path ?? '';
  const hostMatches = url.hostname === host || url.hostname.startsWith(`${host}.${NAMESPACE}.svc`);
  if (!hostMatches || Number(url.port) !== port || url.pathname.replace(/^\/$/, '') !== path)
    return `${service.name}: ${name}=${value} does not reach ${spec.peer} (${host}:${port}${path})`;
  return undefined;
}

/** `npm start` / the test stack: every variable without a default set, every peer URL right. */
export function checkLocal(registry, serviceEnv, portOf, infraEnv, profile) {
  const problems = [];
  const env = serviceEnv(profile, infraEnv);
  for (const service of deployedIn(registry, 'local')) {
    const own = { ...env, PORT: String(portOf(service, profile)) };
    for (const name of codeEnv(service).required)
      if (!own[name]) problems.push(`${service.name}: local start does not set ${name}`);
    for (const [name, spec] of Object.entries(service.env)) {
      if (!spec.peer || spec.peer === service.name) continue;
      const peer = registry.find((s) => s.name === spec.peer);
      if (!own[name]) problems.push(`${service.name}: local start does not set ${name}`);
      else {
        const problem = peerProblem(service, name, spec, own[name], '127.0.0.1', portOf(peer, profile));
        if (problem) problems.push(problem);
      }
    }
  }
  return problems;
}

export const loadCompose = () =>
  parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true, maxAliasCount: -1 });

/** docker-compose.yml: each service built with its APP, on its port, configured, after its dependencies. */
export function checkCompose(registry, compose) {
  const problems = [];
  for (const service of deployedIn(registry, 'compose')) {
    const entry = compose.services[service.name];
    if (!entry) {
      problems.push(`compose: no service ${service.name}`);
      continue;
    }
    const env = Object.fromEntries(Object.entries(entry.environment ?? {}).map(([k, v]) => [k, String(v)]));
    if (entry.build?.args?.APP !== service.name)
      problems.push(`compose: ${service.name} is built with APP=${entry.build?.args?.APP}`);
    for (const [name, spec] of Object.entries(service.env)) {
      if (spec.required && !env[name])
        problems.push(`compose: ${service.name} requires ${name}, which is not set`);
      if (!spec.peer || !env[name]) continue;
      const peer = registry.find((s) => s.name === spec.peer);
      const problem = peerProblem(service, name, spec, env[name], peer.name, peer.port);
      if (problem) problems.push(`compose: ${problem}`);
    }
    if (Number(env.PORT) !== service.port)
      problems.push(`compose: ${service.name} has PORT ${env.PORT}, the registry ${service.port}`);
    if (!JSON.stringify(entry.healthcheck?.test ?? '').includes(service.probes.ready))
      problems.push(`compose: ${service.name}'s healthcheck does not ask ${service.probes.ready}`);
    const dependsOn = Object.keys(entry.depends_on ?? {});
    for (const dependency of service.dependsOn.filter((d) => d !== service.name))
      if (!dependsOn.includes(dependency))
        problems.push(`compose: ${service.name} does not wait for ${dependency}`);
  }
  // The sandbox signs its webhooks with the secret billing verifies them with.
  const billing = compose.services['billing-command']?.environment ?? {};
  const sandbox = compose.services['payment-sandbox']?.environment ?? {};
  if (billing.PAYMENT_WEBHOOK_SECRET !== sandbox.WEBHOOK_SECRET)
    problems.push(
      'compose: billing-command PAYMENT_WEBHOOK_SECRET differs from payment-sandbox WEBHOOK_SECRET',
    );
  return problems;
}

/** The rendered kustomization (`kubectl kustomize infra/k8s`) and the example Secrets. */
export function loadK8s() {
  let rendered;
  try {
    rendered = execFileSync('kubectl', ['kustomize', join(root, 'infra/k8s')], { encoding: 'utf8' });
  } catch (error) {
    if (error.code === 'ENOENT') throw new Error('kubectl is needed to render infra/k8s (kubectl kustomize)');
    throw error;
  }
  const documents = (text) =>
    parseAllDocuments(text)
      .map((d) => d.toJS())
      .filter(Boolean);
  const resources = documents(rendered);
  const secrets = documents(readFileSync(join(root, 'infra/k8s/secret.example.yaml'), 'utf8'));
  return { resources, secrets };
}

const ofKind = (k8s, kind) => k8s.resources.filter((r) => r.kind === kind);
const named = (k8s, kind, name) => ofKind(k8s, kind).find((r) => r.metadata.name === name);

/** A container's environment as Kubernetes resolves it: envFrom first, then env; each with its source. */
function containerEnv(k8s, container) {
  const env = new Map();
  const problems = [];
  const configMap = (name) => named(k8s, 'ConfigMap', name)?.data;
  const secret = (name) => k8s.secrets.find((s) => s.metadata.name === name)?.stringData;
  for (const from of container.envFrom ?? []) {
    const [source, name] = from.configMapRef
      ? ['configmap', from.configMapRef.name]
      : ['secret', from.secretRef.name];
    const data = source === 'configmap' ? configMap(name) : secret(name);
    if (!data) problems.push(`${container.name}: envFrom ${source} ${name}, which does not exist`);
    for (const [key, value] of Object.entries(data ?? {})) env.set(key, { value: String(value), source });
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable)
      env.set(variable.name, { value: String(variable.value), source: 'literal', explicit: true });
    const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
    if (!ref) continue;
    const source = variable.valueFrom.secretKeyRef ? 'secret' : 'configmap';
    const value = (source === 'secret' ? secret(ref.name) : configMap(ref.name))?.[ref.key];
    if (value === undefined)
      problems.push(
        `${container.name}: ${variable.name} refers to ${source} ${ref.name} key ${ref.key}, which does not exist`,
      );
    else env.set(variable.name, { value: String(value), source, explicit: true });
  }
  return { env, problems };
}

/** infra/k8s: each deployed service's Deployment, Service, probes and environment. */
export function checkK8s(registry, k8s) {
  const problems = [];
  const inK8s = deployedIn(registry, 'k8s');
  for (const deployment of ofKind(k8s, 'Deployment'))
    if (!inK8s.some((s) => s.name === deployment.metadata.name))
      problems.push(`k8s: Deployment ${deployment.metadata.name} is not a k8s service of the registry`);
  for (const service of inK8s) {
    const deployment = named(k8s, 'Deployment', service.name);
    const container = deployment?.spec.template.spec.containers.find((c) => c.name === service.name);
    if (!container) {
      problems.push(`k8s: no Deployment with a container ${service.name}`);
      continue;
    }
    const { env, problems: refs } = containerEnv(k8s, container);
    problems.push(...refs.map((p) => `k8s: ${p}`));
    if (env.get('APP')?.value !== service.name)
      problems.push(`k8s: ${service.name} runs APP=${env.get('APP')?.value}`);
    for (const [name, spec] of Object.entries(service.env)) {
      const set = env.get(name);
      if (!set) {
        if (spec.required) problems.push(`k8s: ${service.name} requires ${name}, which is not set`);
        continue;
      }
      if (spec.secret && set.source !== 'secret')
        problems.push(`k8s: ${service.name}'s ${name} is a secret but comes from a ${set.source}`);
      if (spec.production !== undefined && set.value !== spec.production)
        problems.push(`k8s: ${service.name}'s ${name} is ${set.value}, production needs ${spec.production}`);
      if (!spec.peer) continue;
      const peer = inK8s.find((s) => s.name === spec.peer);
      if (spec.public || !peer) {
        if (!set.value.startsWith('https://'))
          problems.push(
            `k8s: ${service.name}'s ${name} must be an https URL outside the cluster, not ${set.value}`,
          );
      } else {
        const problem = peerProblem(service, name, spec, set.value, peer.name, peer.port);
        if (problem) problems.push(`k8s: ${problem}`);
      }
    }
    for (const [name, set] of env)
      if (set.explicit && !service.env[name] && !PLATFORM_ENV.includes(name))
        problems.push(`k8s: ${service.name} sets ${name}, which its config does not read`);
    if (Number(env.get('PORT')?.value) !== service.port)
      problems.push(`k8s: ${service.name} has PORT ${env.get('PORT')?.value}, the registry ${service.port}`);
    const ports = container.ports ?? [];
    if (!ports.some((p) => p.name === 'http' && p.containerPort === service.port))
      problems.push(`k8s: ${service.name}'s container port http is not ${service.port}`);
    const probe = (kind) => container[kind]?.httpGet?.path;
    for (const [kind, expected] of [
      ['startupProbe', service.probes.live],
      ['livenessProbe', service.probes.live],
      ['readinessProbe', service.probes.ready],
    ])
      if (probe(kind) !== expected)
        problems.push(`k8s: ${service.name}'s ${kind} asks ${probe(kind)}, the registry ${expected}`);
    const annotations = deployment.spec.template.metadata.annotations ?? {};
    if (
      annotations['prometheus.io/path'] !== service.probes.metrics ||
      Number(annotations['prometheus.io/port']) !== service.port
    )
      problems.push(
        `k8s: ${service.name}'s scrape annotations are not ${service.port}${service.probes.metrics}`,
      );
    const svc = named(k8s, 'Service', service.name);
    if (!svc?.spec.ports.some((p) => p.port === service.port && p.targetPort === 'http'))
      problems.push(`k8s: Service ${service.name} does not serve port ${service.port} on http`);
  }
  return problems;
}

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
