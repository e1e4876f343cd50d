import { createPublicKey, KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM, KeySource, PublicJwk } from './jwt';

/**
 * Keys from a JWKS endpoint, cached by kid; an unknown kid refetches the set, at most every
 * 30 s, so a rotated key is picked up without letting bad tokens hammer the endpoint.
 */
export function jwksKeySource(url: string): KeySource {
  const keys = new Map<string, KeyObject>();
  let lastFetch = 0;
  // Tokens with unknown kids arriving together share one fetch rather than each starting one.
  let inFlight: Promise<void> | undefined;
  const refresh = async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (!response.ok) throw new Error(`JWKS fetch from ${url} answered ${response.status}`);
    const body = (await response.json()) as { keys?: PublicJwk[] };
    // Only a successful fetch counts: identity starting late must not lock keys out for 30 s.
    lastFetch = Date.now();
    for (const jwk of body.keys ?? []) {
      if (jwk.alg === ACCESS_TOKEN_ALGORITHM && jwk.kty === 'EC' && jwk.crv === 'P-256')
        keys.set(jwk.kid, createPublicKey({ key: { ...jwk }, format: 'jwk' }));
    }
  };
  return async (kid) => {
    if (!keys.has(kid) && Date.now() - lastFetch > 30_000) {
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      await inFlight;
    }
    return keys.get(kid);
  };
}
