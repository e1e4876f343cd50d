import { JsonLogger } from '@voltstream/platform';
import { GatewayConfig, subgraphUrls } from '../config';
import { InstancePicker } from './instance-picker';
import { watchReadiness } from './readiness-watch';

/**
 * The instances of each subgraph (`<NAME>_URL`, comma-separated) with a picker each; a subgraph
 * with several instances has its readiness watched. One subgraph URL (a Kubernetes Service,
 * which balances itself) is called as it is and never probed.
 */
export class SubgraphInstances {
  private readonly pickers = new Map<string, InstancePicker>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: JsonLogger,
  ) {}

  of(subgraph: string, composedUrl: string | undefined): InstancePicker {
    const known = this.pickers.get(subgraph);
    if (known) return known;
    const picker = new InstancePicker(subgraphUrls(this.config, subgraph, composedUrl));
    this.pickers.set(subgraph, picker);
    if (picker.urls.length > 1) {
      this.stops.push(watchReadiness(subgraph, picker, this.config.subgraphHealthIntervalMs, this.logger));
    }
    return picker;
  }

  /** Which instances of each scaled-out subgraph the gateway calls now, for its readiness details. */
  states(): Record<string, { ready: string[]; notReady: string[] }> {
    const states: Record<string, { ready: string[]; notReady: string[] }> = {};
    for (const [subgraph, picker] of this.pickers) {
      if (picker.urls.length < 2) continue;
      states[subgraph] = {
        ready: picker.urls.filter((url) => picker.isHealthy(url)),
        notReady: picker.urls.filter((url) => !picker.isHealthy(url)),
      };
    }
    return states;
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
