// What the registry checks share: which services a target runs, and whether a URL reaches a peer.
export const NAMESPACE = 'voltstream';

export const deployedIn = (registry, target) => registry.filter((s) => s.deployments.includes(target));

/** Whether `value` is a URL of `peer` at `host:port` and the registry's path. */
export function peerProblem(service, name, spec, value, host, port) {
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
