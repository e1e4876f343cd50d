// How infra/k8s scales each service, against the registry and the code: one autoscaler per
// Deployment; a service that consumes Kafka follows its consumer groups' lag (a KEDA ScaledObject
// with a kafka trigger on each group the code joins, on the topic it reads) as well as CPU; the
// others follow CPU (a HorizontalPodAutoscaler).
import { deployedIn } from './common.mjs';
import { codeEnv } from './code.mjs';
import { containerEnv, named, ofKind } from './k8s.mjs';

const targets = (k8s, kind, name) =>
  ofKind(k8s, kind).filter(
    (r) =>
      (r.spec.scaleTargetRef.kind ?? 'Deployment') === 'Deployment' && r.spec.scaleTargetRef.name === name,
  );

export function checkAutoscaling(registry, k8s) {
  const problems = [];
  const inK8s = deployedIn(registry, 'k8s');
  for (const kind of ['HorizontalPodAutoscaler', 'ScaledObject'])
    for (const scaler of ofKind(k8s, kind))
      if (!inK8s.some((s) => s.name === scaler.spec.scaleTargetRef.name))
        problems.push(
          `k8s: ${kind} ${scaler.metadata.name} scales ${scaler.spec.scaleTargetRef.name}, not a service`,
        );
  const brokers = named(k8s, 'ConfigMap', 'voltstream-shared')?.data?.KAFKA_BROKERS;
  for (const service of inK8s) {
    const hpas = targets(k8s, 'HorizontalPodAutoscaler', service.name);
    const scaledObjects = targets(k8s, 'ScaledObject', service.name);
    if (hpas.length + scaledObjects.length !== 1) {
      problems.push(
        `k8s: ${service.name} has ${hpas.length} HorizontalPodAutoscalers and ${scaledObjects.length} ScaledObjects, expected one autoscaler`,
      );
      continue;
    }
    const consumes = Object.entries(service.consumes ?? {});
    if (consumes.length === 0) {
      const hpa = hpas[0];
      if (!hpa) problems.push(`k8s: ${service.name} consumes no topic: scale it on CPU with an HPA`);
      else if (!hpa.spec.metrics?.some((m) => m.resource?.name === 'cpu'))
        problems.push(`k8s: ${service.name}'s HPA does not scale on CPU`);
      else if (!(hpa.spec.minReplicas >= 1)) problems.push(`k8s: ${service.name}'s HPA may scale to zero`);
      continue;
    }
    const scaled = scaledObjects[0];
    if (!scaled) {
      problems.push(
        `k8s: ${service.name} consumes Kafka but scales on CPU only (an HPA, not a KEDA ScaledObject)`,
      );
      continue;
    }
    if (!(scaled.spec.minReplicaCount >= 1))
      problems.push(
        `k8s: ${service.name}'s ScaledObject may scale to zero, and nothing would answer its GraphQL`,
      );
    const container = named(k8s, 'Deployment', service.name)?.spec.template.spec.containers.find(
      (c) => c.name === service.name,
    );
    const env = container ? containerEnv(k8s, container).env : new Map();
    const defaults = codeEnv(service).groups;
    const triggers = scaled.spec.triggers ?? [];
    const groups = [];
    for (const [variable, topic] of consumes) {
      const group = env.get(variable)?.value ?? defaults[variable];
      groups.push(group);
      const trigger = triggers.find((t) => t.type === 'kafka' && t.metadata?.consumerGroup === group);
      if (!trigger) {
        problems.push(
          `k8s: ${service.name} does not scale on the lag of its consumer group ${group} (${topic})`,
        );
        continue;
      }
      if (trigger.metadata.topic !== topic)
        problems.push(
          `k8s: ${service.name}'s trigger on ${group} watches ${trigger.metadata.topic}, the group reads ${topic}`,
        );
      if (trigger.metadata.bootstrapServers !== brokers)
        problems.push(
          `k8s: ${service.name}'s trigger on ${group} asks ${trigger.metadata.bootstrapServers}, KAFKA_BROKERS is ${brokers}`,
        );
      if (!(Number(trigger.metadata.lagThreshold) > 0))
        problems.push(`k8s: ${service.name}'s trigger on ${group} has no lagThreshold`);
    }
    for (const trigger of triggers.filter((t) => t.type === 'kafka'))
      if (!groups.includes(trigger.metadata?.consumerGroup))
        problems.push(
          `k8s: ${service.name} scales on consumer group ${trigger.metadata?.consumerGroup}, which it does not join`,
        );
    if (!triggers.some((t) => t.type === 'cpu'))
      problems.push(`k8s: ${service.name}'s ScaledObject does not also scale on CPU`);
  }
  return problems;
}
