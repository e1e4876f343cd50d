// The registry of services: each deployable app's project.json carries, under
// metadata.voltstream, its port, probes, database, the environment its config reads and what it
// depends on. Local start reads it; scripts/tests/registry.test.mjs checks docker-compose.yml,
// infra/k8s and the code against it.
//
//   port         where it listens (the code's default PORT)
//   probes       liveness, readiness and metrics paths
//   graphql      set on subgraphs: where the gateway reaches its GraphQL endpoint
//   database     the Postgres database it appends to DATABASE_URL
//   deployments  where it runs: local (npm start), compose, k8s
//   dependsOn    infrastructure (postgres, postgres-replica, kafka, redis) and peer services
//   consumes     each variable naming a Kafka consumer group it joins, with the topic that group
//                reads (infra/k8s scales the service on those groups' lag)
//   env          every variable its config reads: `required` (a deployment must set it: the code
//                has no default, or its default only works on a developer's machine), `secret`
//                (comes from a Secret), `production` (the value production must have), `peer` and
//                `path` (a URL of that service), `public` (in k8s, a URL outside the cluster)
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './run.mjs';

export const INFRASTRUCTURE = ['postgres', 'postgres-replica', 'kafka', 'redis'];

/** Every app with service metadata, dependencies before their dependants, then by port. */
export function loadRegistry() {
  const services = [];
  for (const dir of readdirSync(join(root, 'apps')).sort()) {
    const file = join(root, 'apps', dir, 'project.json');
    if (!existsSync(file)) continue;
    const project = JSON.parse(readFileSync(file, 'utf8'));
    const meta = project.metadata?.voltstream;
    if (meta) services.push({ name: project.name, ...meta });
  }
  return startOrder(services);
}

function startOrder(services) {
  const byName = new Map(services.map((service) => [service.name, service]));
  const pending = [...services].sort((a, b) => a.port - b.port);
  const ordered = [];
  while (pending.length > 0) {
    const next = pending.findIndex((service) =>
      service.dependsOn.every(
        (dependency) =>
          INFRASTRUCTURE.includes(dependency) ||
          ordered.some((done) => done.name === dependency) ||
          dependency === service.name,
      ),
    );
    if (next < 0) {
      const unknown = pending.flatMap((s) =>
        s.dependsOn.filter((d) => !INFRASTRUCTURE.includes(d) && !byName.has(d)),
      );
      throw new Error(
        unknown.length > 0
          ? `registry: unknown dependencies ${unknown.join(', ')}`
          : `registry: dependency cycle among ${pending.map((s) => s.name).join(', ')}`,
      );
    }
    ordered.push(...pending.splice(next, 1));
  }
  return ordered;
}

/** `energy-query` → `ENERGY_QUERY`, as the gateway names a subgraph's URL variable. */
export const envName = (name) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
