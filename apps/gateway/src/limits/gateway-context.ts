import { Caller, RequestLike } from '@voltstream/platform';

/** What every gateway request carries through Apollo's plugins and the subgraph calls. */
export interface GatewayContext {
  req: RequestLike;
  /** The verified caller; null for an anonymous request. */
  caller: Caller | null;
  /**
   * Set when the gateway itself reads a subscription event's payload for a subscriber
   * (subscriptions/supergraph-calls.ts): the rate limit and the safelist apply to the
   * subscription, not to each event it receives.
   */
  liveEvent?: boolean;
}
