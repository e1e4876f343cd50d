// The registry against the code: the variables each compiled config reads (and which it cannot do
// without), default ports and databases, the platform's probe routes, the gateway's subgraphs,
// the Dockerfile's ports and the e2e project's dependencies.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { envName, INFRASTRUCTURE } from '../registry.mjs';
import { root } from '../run.mjs';

const require = createRequire(import.meta.url);
/** Which variable makes a service depend on which piece of infrastructure. */
const INFRA_ENV = {
  postgres: 'DATABASE_URL',
  'postgres-replica': 'READ_REPLICA_URLS',
  kafka: 'KAFKA_BROKERS',
  redis: 'REDIS_URL',
};

/**
 * What a service's compiled config reads, found by running its readConfig on an environment that
 * records every lookup: the names, those it cannot do without, and its defaults.
 */
export function codeEnv(service) {
  const compiled = join(root, 'dist/apps', service.name, 'src/config.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: build first (npm run build)`);
  const { readConfig } = require(compiled);
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
  const base = Object.fromEntries(required.map((name) => [name, sampleValue(name)]));
  const defaults = readConfig(base);
  // The consumer group each of `consumes`' variables names when unset: the config is read once
  // with the variable set to a marker, and the value at the marker's place is the default.
  const groups = {};
  for (const variable of Object.keys(service.consumes ?? {})) {
    const marker = `\u0000${variable}`;
    const path = pathOf(readConfig({ ...base, [variable]: marker }), marker);
    groups[variable] = path?.reduce((value, key) => value?.[key], defaults);
  }
  return {
    read: [...read],
    required,
    port: defaults.service.port,
    database: defaults.postgres?.database,
    groups,
  };
}

/** The keys leading to `wanted` inside `value`, or undefined. */
function pathOf(value, wanted, path = []) {
  if (value === wanted) return path;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = pathOf(inner, wanted, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** A variable that names a Kafka consumer group (the registry's `consumes` lists each with its topic). */
const isGroupVariable = (name) => /_GROUP$/.test(name);

const sampleValue = (name) =>
  ({ DATABASE_URL: 'postgres://db', REDIS_URL: 'redis://cache', KAFKA_BROKERS: 'kafka:9092' })[name] ?? 'x';

const topics = () => require(join(root, 'dist/libs/contracts/src/index.js')).Topics;

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
    const consumes = service.consumes ?? {};
    for (const name of code.read.filter(isGroupVariable))
      if (!consumes[name])
        problems.push(
          `${service.name}: its config reads the consumer group ${name}, consumes does not list it`,
        );
    for (const [name, topic] of Object.entries(consumes)) {
      if (!code.read.includes(name))
        problems.push(`${service.name}: consumes lists ${name}, its config does not read it`);
      if (!Object.values(topics()).includes(topic))
        problems.push(`${service.name}: consumes ${topic}, which is not a topic of the code`);
    }
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
