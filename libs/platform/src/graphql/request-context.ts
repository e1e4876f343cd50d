export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  /** Express's client address: X-Forwarded-For only from a proxy TRUST_PROXY names. */
  ip?: string;
  socket?: { remoteAddress?: string };
}

export interface GraphQLContext {
  req: RequestLike;
}

export function header(req: RequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The consistency token of the argument, or of the `x-consistency-token` header. */
export function consistencyTokenOf(
  context: GraphQLContext,
  argument: string | null | undefined,
): string | undefined {
  return argument ?? header(context.req, 'x-consistency-token');
}

/** The bearer token of the `Authorization` header, if any. */
export function bearerTokenOf(context: GraphQLContext): string | undefined {
  const value = header(context.req, 'authorization');
  const match = value?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/**
 * The client's address: Express's `req.ip`, which honours X-Forwarded-For only from the proxies
 * TRUST_PROXY names (`useTrustedProxies`), so a client cannot pick its own address.
 */
export function clientAddressOf(req: RequestLike | undefined): string {
  return req?.ip ?? req?.socket?.remoteAddress ?? 'unknown';
}
