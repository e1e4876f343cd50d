// The rendered infra/k8s (`kubectl kustomize`) against the registry: each service's Deployment,
// Service, probes and environment, secrets from the Secrets of secret.example.yaml.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { root } from '../run.mjs';
import { deployedIn, peerProblem } from './common.mjs';

/** Set for every container by the image or the platform, read by Node or the Dockerfile, not by a config. */
const PLATFORM_ENV = ['APP', 'NODE_OPTIONS', 'NODE_ENV', 'KAFKAJS_NO_PARTITIONER_WARNING'];

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

export const ofKind = (k8s, kind) => k8s.resources.filter((r) => r.kind === kind);
export const named = (k8s, kind, name) => ofKind(k8s, kind).find((r) => r.metadata.name === name);

/** A container's environment as Kubernetes resolves it: envFrom first, then env; each with its source. */
export function containerEnv(k8s, container) {
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
