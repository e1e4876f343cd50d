import { createPublicKey, KeyObject } from 'node:crypto';
import { errors, JWTHeaderParameters, jwtVerify, SignJWT } from 'jose';
import { DomainError, ErrorCodes } from '@voltstream/contracts';

/** The claims of a Voltstream access token. */
export interface AccessClaims {
  sub: string;
  roles: string[];
  iss: string;
  aud: string;
  iat: number;
  exp: number;
}

/** The one algorithm accepted: tokens saying `none`, HS256 or anything else are refused. */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';
const CLOCK_SKEW_SECONDS = 30;
// Ours are ~400 chars; the cap keeps an attacker's megabyte header from being decoded at all.
const MAX_TOKEN_LENGTH = 4096;

export async function signAccessToken(
  claims: AccessClaims,
  privateKey: KeyObject,
  kid: string,
): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: 'JWT', kid })
    .sign(privateKey);
}

export type KeySource = (kid: string) => Promise<KeyObject | undefined>;

const unauthenticated = (why: string) =>
  new DomainError(ErrorCodes.unauthenticated, `invalid access token: ${why}`);

/**
 * Verifies an access token with the algorithm, issuer and audience pinned, and the key chosen
 * by `kid` from our own key source only (never from the token itself).
 */
export class AccessTokenVerifier {
  constructor(
    private readonly options: { issuer: string; audience: string; keys: KeySource; now?: () => number },
  ) {}

  async verify(token: string): Promise<AccessClaims> {
    if (token.length > MAX_TOKEN_LENGTH) throw unauthenticated('malformed');
    const { payload } = await jwtVerify(token, this.keyFor, {
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: this.options.issuer,
      audience: this.options.audience,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: new Date(this.options.now?.() ?? Date.now()),
    }).catch(refusal);
    const { sub, roles, iss, aud, iat, exp } = payload;
    if (
      typeof sub !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((role): role is string => typeof role === 'string') ||
      typeof iss !== 'string' ||
      typeof aud !== 'string' ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    )
      throw unauthenticated('bad claims');
    return { sub, roles, iss, aud, iat, exp };
  }

  // jose calls this only after the header parsed and named ES256, so no other alg reaches a key.
  private readonly keyFor = async (header: JWTHeaderParameters): Promise<KeyObject> => {
    // jose itself accepts `crit: ["b64"]`; we issue no crit header, so any one is not ours.
    if (header.crit !== undefined) throw unauthenticated('critical header');
    if (typeof header.kid !== 'string') throw unauthenticated('no key id');
    const key = await this.options.keys(header.kid);
    if (!key) throw unauthenticated('unknown key');
    return key;
  };
}

const CLAIM_REASONS: Record<string, string> = {
  iss: 'wrong issuer',
  aud: 'wrong audience',
  nbf: 'not yet valid',
};
const REASONS: Record<string, string> = {
  [errors.JOSEAlgNotAllowed.code]: 'algorithm not accepted',
  [errors.JOSENotSupported.code]: 'unsupported header',
  [errors.JWSSignatureVerificationFailed.code]: 'bad signature',
  [errors.JWTExpired.code]: 'expired',
};

/**
 * A token's fault becomes UNAUTHENTICATED; anything else (the key source unreachable, a bug) is
 * rethrown as it is, so an outage is not reported to callers as bad credentials.
 */
function refusal(error: unknown): never {
  if (error instanceof DomainError || !(error instanceof errors.JOSEError)) throw error;
  if (error instanceof errors.JWTClaimValidationFailed)
    throw unauthenticated(CLAIM_REASONS[error.claim] ?? 'bad claims');
  throw unauthenticated(REASONS[error.code] ?? 'malformed');
}

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: typeof ACCESS_TOKEN_ALGORITHM;
  use: 'sig';
}

export function publicJwk(key: KeyObject, kid: string): PublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
    y: string;
  };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
}
