// `npm start -- --scale energy-query=2,gateway=2`: how many instances of each service run locally,
// and where each listens. Instance i of a service listens on its port + 10·i. The registry's
// ports differ in their last digit within each hundred (gateway 4000 and identity 4001; energy
// 4101-4102; billing 4201-4203; feeds 4301-4302), so with at most 8 instances (+70) no two
// instances of any services meet; `scalePlan` still checks it, since <APP>_PORT moves a
// service's base port anywhere.

/** Instance i listens on the service's port + INSTANCE_PORT_STEP · i. */
export const INSTANCE_PORT_STEP = 10;
export const MAX_INSTANCES = 8;

/**
 * `name=N,name=N` → `{ name: N }`. Throws a message naming what is wrong: an unknown service, a
 * count outside 1..MAX_INSTANCES, a service named twice, or not `name=N` at all.
 */
export function parseScale(spec, knownNames) {
  const scale = {};
  if (!spec || !spec.trim()) throw new Error('--scale needs service=N[,service=N…], e.g. energy-query=2');
  for (const part of spec.split(',').map((p) => p.trim())) {
    const match = /^([a-z0-9-]+)=(\d+)$/.exec(part);
    if (!match) throw new Error(`--scale: "${part}" is not service=N (e.g. energy-query=2)`);
    const [, name, countText] = match;
    if (!knownNames.includes(name))
      throw new Error(`--scale: unknown service ${name} (known: ${knownNames.join(', ')})`);
    const count = Number(countText);
    if (count < 1 || count > MAX_INSTANCES)
      throw new Error(`--scale: ${name}=${count}: the number of instances must be 1..${MAX_INSTANCES}`);
    if (name in scale) throw new Error(`--scale: ${name} is named twice`);
    scale[name] = count;
  }
  return scale;
}

/** The instance ids and ports of every app: `name` for instance 0 (as before scaling), `name.i` after. */
export function scalePlan(apps, basePortOf, scale = {}) {
  const plan = apps.map((app) => ({
    app,
    instances: Array.from({ length: scale[app.name] ?? 1 }, (_, index) => ({
      index,
      id: instanceId(app.name, index),
      port: basePortOf(app) + INSTANCE_PORT_STEP * index,
    })),
  }));
  const owners = new Map();
  for (const { instances } of plan)
    for (const { id, port } of instances) {
      if (owners.has(port))
        throw new Error(
          `--scale: ${id} would listen on ${port}, the port of ${owners.get(port)} (instance i listens on its base port + ${INSTANCE_PORT_STEP}·i; move a base port with <APP>_PORT)`,
        );
      owners.set(port, id);
    }
  return plan;
}

export const instanceId = (name, index) => (index === 0 ? name : `${name}.${index}`);

/** The instance index a pid or log file name belongs to for `name`, or undefined if another app's. */
export function instanceIndexOf(name, fileStem) {
  if (fileStem === name) return 0;
  const match = /^(.+)\.(\d+)$/.exec(fileStem);
  return match && match[1] === name ? Number(match[2]) : undefined;
}
