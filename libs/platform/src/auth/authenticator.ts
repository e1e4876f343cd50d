import { DomainError, ErrorCodes } from '@voltstream/contracts';
import { EnvReader } from '../config/env-reader';
import { bearerTokenOf, GraphQLContext } from '../graphql/request-context';
import { jwksKeySource } from './jwks-key-source';
import { AccessTokenVerifier } from './jwt';

export interface Caller {
  userId: string;
  roles: string[];
}

/** The owner of an object, or an ADMIN: who may see it (API.md, "Visibility"). */
export const isOwnerOrAdmin = (caller: Caller | null, ownerId: string): boolean =>
  caller !== null && (caller.userId.toLowerCase() === ownerId.toLowerCase() || isAdmin(caller));

export const isAdmin = (caller: Caller): boolean => caller.roles.includes('ADMIN');

/** Role check for ADMIN-only operations: FORBIDDEN for anyone else. */
export function requireAdmin(caller: Caller): void {
  if (!isAdmin(caller)) throw new DomainError(ErrorCodes.forbidden, 'this needs the ADMIN role');
}

export interface AuthConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
}

export function readAuthConfig(reader: EnvReader): AuthConfig {
  return {
    jwksUrl: reader.url(
      'IDENTITY_JWKS_URL',
      ['http:', 'https:'],
      'http://127.0.0.1:4001/.well-known/jwks.json',
    ),
    ...readTokenAudience(reader),
  };
}

/** Issuer and audience of access tokens: the one place identity (signing) and verifiers agree on. */
export function readTokenAudience(reader: EnvReader): { issuer: string; audience: string } {
  return {
    issuer: reader.string('JWT_ISSUER', 'voltstream-identity'),
    audience: reader.string('JWT_AUDIENCE', 'voltstream'),
  };
}

const CACHE_LIMIT = 10_000;

/**
 * Who is calling, from the access token every request carries. Subgraphs verify it themselves
 * rather than trust a header the gateway (or anyone reaching the subgraph) could set. Verified
 * tokens are remembered until they expire, so a busy client costs one signature check.
 */
export class Authenticator {
  private readonly verified = new Map<string, { caller: Caller; exp: number }>();

  constructor(private readonly verifier: AccessTokenVerifier) {}

  static fromConfig(config: AuthConfig): Authenticator {
    return new Authenticator(
      new AccessTokenVerifier({
        issuer: config.issuer,
        audience: config.audience,
        keys: jwksKeySource(config.jwksUrl),
      }),
    );
  }

  /** The caller, or UNAUTHENTICATED. */
  async callerOf(context: GraphQLContext): Promise<Caller> {
    const caller = await this.optionalCaller(context);
    if (!caller) throw new DomainError(ErrorCodes.unauthenticated, 'sign in first');
    return caller;
  }

  /** The caller, null without a token; a bad token is still UNAUTHENTICATED. */
  async optionalCaller(context: GraphQLContext): Promise<Caller | null> {
    const token = bearerTokenOf(context);
    return token ? this.verify(token) : null;
  }

  async verify(token: string): Promise<Caller> {
    const now = Date.now() / 1000;
    const known = this.verified.get(token);
    if (known && known.exp > now) return known.caller;
    const claims = await this.verifier.verify(token);
    const caller = { userId: claims.sub, roles: claims.roles };
    if (this.verified.size >= CACHE_LIMIT) this.verified.clear();
    this.verified.set(token, { caller, exp: claims.exp });
    return caller;
  }
}
