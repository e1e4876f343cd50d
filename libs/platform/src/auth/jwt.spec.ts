import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { JWTHeaderParameters, SignJWT } from 'jose';
import { DomainError } from '@voltstream/contracts';
import { AccessClaims, AccessTokenVerifier, publicJwk, signAccessToken } from './jwt';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const now = Math.floor(Date.now() / 1000);
const claims: AccessClaims = {
  sub: 'u1',
  roles: ['CUSTOMER'],
  iss: 'voltstream-identity',
  aud: 'voltstream',
  iat: now,
  exp: now + 900,
};
const keys = new Map<string, KeyObject>([['k1', createPublicKey(privateKey)]]);
const settings = { issuer: claims.iss, audience: claims.aud, keys: async (kid: string) => keys.get(kid) };
const verifier = new AccessTokenVerifier(settings);
// Pinned to `now`, so the tolerance edges do not depend on how long the suite takes.
const clock = new AccessTokenVerifier({ ...settings, now: () => now * 1000 });
const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A correctly signed token with any header and claims, for cases signAccessToken cannot make. */
const signed = (
  header: Partial<JWTHeaderParameters>,
  payload: object = claims,
  key: KeyObject = privateKey,
  crit?: Record<string, boolean>,
) =>
  new SignJWT({ ...payload })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'k1', ...header })
    .sign(key, crit && { crit });

async function rejection(token: string, by: AccessTokenVerifier = verifier): Promise<string> {
  try {
    await by.verify(token);
  } catch (error) {
    assert.ok(error instanceof DomainError, `not a DomainError: ${String(error)}`);
    assert.equal(error.code, 'UNAUTHENTICATED');
    return error.message;
  }
  assert.fail('the token was accepted');
}

describe('access tokens (ES256)', () => {
  it('verifies a token it signed and returns its claims', async () => {
    assert.deepEqual(await verifier.verify(await signAccessToken(claims, privateKey, 'k1')), claims);
  });

  it('refuses alg none', async () => {
    const token = `${b64({ alg: 'none', kid: 'k1' })}.${b64(claims)}.`;
    assert.match(await rejection(token), /algorithm/);
  });

  it('refuses alg none in other spellings, with or without a signature', async () => {
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64({ alg, typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
      assert.match(await rejection(`${unsigned}.`), /algorithm/);
      assert.match(await rejection(`${unsigned}.${b64('junk')}`), /algorithm/);
    }
  });

  it('refuses an HS256 token signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = JSON.stringify(publicJwk(privateKey, 'k1'));
    const unsigned = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(claims)}`;
    const token = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    assert.match(await rejection(token), /algorithm/);
  });

  it("refuses HS256 tokens whose secret is the public key's PEM or DER bytes", async () => {
    const publicKey = createPublicKey(privateKey);
    const secrets = [
      publicKey.export({ format: 'pem', type: 'spki' }),
      publicKey.export({ format: 'der', type: 'spki' }),
    ];
    for (const secret of secrets) {
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(claims)}`;
      const token = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
      assert.match(await rejection(token), /algorithm/);
    }
  });

  it('refuses a token signed by another key, an expired one, and the wrong issuer or audience', async () => {
    assert.match(await rejection(await signAccessToken(claims, other, 'k1')), /signature/);
    assert.match(
      await rejection(await signAccessToken({ ...claims, exp: now - 120 }, privateKey, 'k1')),
      /expired/,
    );
    assert.match(
      await rejection(await signAccessToken({ ...claims, iss: 'evil' }, privateKey, 'k1')),
      /issuer/,
    );
    assert.match(
      await rejection(await signAccessToken({ ...claims, aud: 'other' }, privateKey, 'k1')),
      /audience/,
    );
    assert.match(await rejection(await signAccessToken(claims, privateKey, 'unknown')), /unknown key/);
  });

  it('refuses a token signed by another key under our kid, even one carrying that key in its header', async () => {
    const attackerJwk = createPublicKey(other).export({ format: 'jwk' });
    assert.match(await rejection(await signed({}, claims, other)), /signature/);
    assert.match(await rejection(await signed({ jwk: attackerJwk }, claims, other)), /signature/);
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = (await signAccessToken(claims, privateKey, 'k1')).split('.');
    assert.match(
      await rejection(`${header}.${b64({ ...claims, roles: ['ADMIN'] })}.${signature}`),
      /signature/,
    );
  });

  it('refuses a token expired beyond the 30 s tolerance', async () => {
    const token = await signAccessToken({ ...claims, exp: now - 40 }, privateKey, 'k1');
    assert.match(await rejection(token, clock), /expired/);
  });

  it('accepts a token expired within the 30 s tolerance', async () => {
    const token = await signAccessToken({ ...claims, exp: now - 20 }, privateKey, 'k1');
    assert.equal((await clock.verify(token)).exp, now - 20);
  });

  it('refuses a token whose nbf is beyond the tolerance ahead, and accepts one within it', async () => {
    assert.match(await rejection(await signed({}, { ...claims, nbf: now + 120 }), clock), /not yet valid/);
    assert.equal((await clock.verify(await signed({}, { ...claims, nbf: now + 20 }))).sub, 'u1');
  });

  it('refuses a crit header naming an extension we do not understand', async () => {
    const token = await signed({ crit: ['urn:x'], 'urn:x': 1 }, claims, privateKey, { 'urn:x': true });
    assert.match(await rejection(token), /header/);
  });

  it('refuses a crit header even for b64, the one extension jose itself understands', async () => {
    assert.match(await rejection(await signed({ crit: ['b64'], b64: true })), /critical header/);
  });

  it('refuses a token without a kid', async () => {
    assert.match(await rejection(await signed({ kid: undefined })), /no key id/);
  });

  it('refuses malformed tokens and tokens over 4096 characters', async () => {
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', '..', `${b64('{')}.${b64(claims)}.x`])
      assert.match(await rejection(token), /malformed/);
    const huge = await signed({}, { ...claims, pad: 'x'.repeat(4096) });
    assert.match(await rejection(huge), /malformed/);
  });

  it('refuses claims of the wrong shape, though correctly signed', async () => {
    for (const payload of [
      { ...claims, sub: 42 },
      { ...claims, roles: 'ADMIN' },
      { ...claims, roles: ['CUSTOMER', 1] },
    ])
      assert.match(await rejection(await signed({}, payload)), /bad claims/);
  });

  it('lets a failing key source surface as itself, not as bad credentials', async () => {
    const outage = new Error('jwks unreachable');
    const down = new AccessTokenVerifier({ ...settings, keys: () => Promise.reject(outage) });
    await assert.rejects(down.verify(await signAccessToken(claims, privateKey, 'k1')), outage);
  });
});
