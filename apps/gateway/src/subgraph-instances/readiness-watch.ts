import { JsonLogger } from '@voltstream/platform';
import { InstancePicker } from './instance-picker';

/** Whether an instance's readiness answers 200 within `timeoutMs`. */
export type ReadyProbe = (readyUrl: string, timeoutMs: number) => Promise<boolean>;

const probeOverHttp: ReadyProbe = async (readyUrl, timeoutMs) => {
  try {
    const response = await fetch(readyUrl, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
};

/** An instance's readiness probe: `/health/ready` on the origin of its GraphQL URL. */
export const readyUrlOf = (graphqlUrl: string): string => new URL('/health/ready', graphqlUrl).href;

/**
 * Asks each instance of `picker` for its readiness every `intervalMs` and marks it green or red
 * there; a probe unanswered within the interval counts as red (a stopped or hung process).
 * Returns the stop.
 */
export function watchReadiness(
  subgraph: string,
  picker: InstancePicker,
  intervalMs: number,
  logger: JsonLogger,
  probe: ReadyProbe = probeOverHttp,
): () => void {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const watch = async (url: string) => {
    if (stopped) return;
    const up = await probe(readyUrlOf(url), intervalMs);
    if (stopped) return;
    if (up !== picker.isHealthy(url)) {
      logger.event(
        up ? 'info' : 'warn',
        up ? 'subgraph instance ready again' : 'subgraph instance not ready',
        {
          subgraph,
          url,
        },
      );
    }
    picker.setHealth(url, up);
    const timer = setTimeout(() => {
      timers.delete(timer);
      void watch(url);
    }, intervalMs);
    timer.unref();
    timers.add(timer);
  };
  for (const url of picker.urls) void watch(url);
  return () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
  };
}
