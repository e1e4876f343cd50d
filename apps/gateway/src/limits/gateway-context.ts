import { Caller, RequestLike } from '@voltstream/platform';

/** What every gateway request carries through Apollo's plugins and the subgraph calls. */
export interface GatewayContext {
  req: RequestLike;
  /** The verified caller; null for an anonymous request. */
  caller: Caller | null;
}
