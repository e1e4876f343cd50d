// The local start (scripts/lib/apps.mjs) and docker-compose.yml against the registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from '../run.mjs';
import { codeEnv } from './code.mjs';
import { deployedIn, peerProblem } from './common.mjs';

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
