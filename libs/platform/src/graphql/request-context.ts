import { DomainError, ErrorCodes } from '@voltstream/contracts';

export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
}

export interface GraphQLContext {
  req: RequestLike;
}

export interface Caller {
  userId: string;
  roles: string[];
}

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The caller, as the gateway forwards it. Until identity issues JWTs (issue #4) this is the
 * development stub: the gateway passes the client's `x-user-id` through unchanged.
 */
export function callerOf(context: GraphQLContext): Caller {
  const raw = header(context.req, 'x-user-id');
  if (!raw || !USER_ID.test(raw)) throw new DomainError(ErrorCodes.unauthenticated, 'sign in first');
  const roles = (header(context.req, 'x-user-roles') ?? '').split(',').filter(Boolean);
  return { userId: raw, roles };
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
