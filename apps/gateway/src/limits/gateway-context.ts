import { Caller, RequestLike } from '@voltstream/platform';

/** What every gateway request carries through Apollo's plugins and the subgraph calls. */
export interface GatewayContext {
  req: RequestLike & { ip?: string; socket?: { remoteAddress?: string } };
  /** The verified caller; null for an anonymous request. */
  caller: Caller | null;
}

/**
 * The client's address: Express's `req.ip`, which honours X-Forwarded-For only from the proxies
 * TRUST_PROXY names, so a client cannot pick its own address.
 */
export function clientAddress(req: GatewayContext['req'] | undefined): string {
  return req?.ip ?? req?.socket?.remoteAddress ?? 'unknown';
}
