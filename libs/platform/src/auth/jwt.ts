import { createPublicKey, KeyObject, sign, verify } from 'node:crypto';
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
const ALGORITHM = 'ES256';
const CLOCK_SKEW_SECONDS = 30;

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export function signAccessToken(claims: AccessClaims, privateKey: KeyObject, kid: string): string {
  const header = b64(JSON.stringify({ alg: ALGORITHM, typ: 'JWT', kid }));
  const payload = b64(JSON.stringify(claims));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${payload}.${b64(signature)}`;
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
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 4096) throw unauthenticated('malformed');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = parseJson(headerPart) as { alg?: unknown; kid?: unknown } | null;
    if (!header || header.alg !== ALGORITHM) throw unauthenticated('algorithm not accepted');
    if (typeof header.kid !== 'string') throw unauthenticated('no key id');
    const key = await this.options.keys(header.kid);
    if (!key) throw unauthenticated('unknown key');
    const signed = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature))
      throw unauthenticated('bad signature');
    const claims = parseJson(payloadPart) as Partial<AccessClaims> | null;
    const now = Math.floor((this.options.now?.() ?? Date.now()) / 1000);
    if (!claims || typeof claims.sub !== 'string' || !Array.isArray(claims.roles))
      throw unauthenticated('bad claims');
    if (claims.iss !== this.options.issuer) throw unauthenticated('wrong issuer');
    if (claims.aud !== this.options.audience) throw unauthenticated('wrong audience');
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS < now)
      throw unauthenticated('expired');
    return claims as AccessClaims;
  }
}

function parseJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: typeof ALGORITHM;
  use: 'sig';
}

export function publicJwk(key: KeyObject, kid: string): PublicJwk {
  const jwk = createPublicKey(key).export({ format: 'jwk' }) as {
    kty: string;
    crv: string;
    x: string;
    y: string;
  };
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: ALGORITHM, use: 'sig' };
}

/**
 * Keys from a JWKS endpoint, cached by kid; an unknown kid refetches the set, at most every
 * 30 s, so a rotated key is picked up without letting bad tokens hammer the endpoint.
 */
export function jwksKeySource(url: string): KeySource {
  const keys = new Map<string, KeyObject>();
  let lastFetch = 0;
  return async (kid) => {
    if (!keys.has(kid) && Date.now() - lastFetch > 30_000) {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = (await response.json()) as { keys?: PublicJwk[] };
      // Only a successful fetch counts: identity starting late must not lock keys out for 30 s.
      lastFetch = Date.now();
      for (const jwk of body.keys ?? []) {
        if (jwk.alg === ALGORITHM && jwk.kty === 'EC')
          keys.set(jwk.kid, createPublicKey({ key: { ...jwk }, format: 'jwk' }));
      }
    }
    return keys.get(kid);
  };
}
