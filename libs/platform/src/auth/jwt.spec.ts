import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
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
const verifier = new AccessTokenVerifier({
  issuer: claims.iss,
  audience: claims.aud,
  keys: async (kid) => keys.get(kid),
});
const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function rejection(token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, 'UNAUTHENTICATED');
    return error.message;
  }
  assert.fail('the token was accepted');
}

describe('access tokens (ES256)', () => {
  it('verifies a token it signed and returns its claims', async () => {
    assert.deepEqual(await verifier.verify(signAccessToken(claims, privateKey, 'k1')), claims);
  });

  it('refuses alg none', async () => {
    const token = `${b64({ alg: 'none', kid: 'k1' })}.${b64(claims)}.`;
    assert.match(await rejection(token), /algorithm/);
  });

  it('refuses an HS256 token signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = JSON.stringify(publicJwk(privateKey, 'k1'));
    const unsigned = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(claims)}`;
    const token = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    assert.match(await rejection(token), /algorithm/);
  });

  it('refuses a token signed by another key, an expired one, and the wrong issuer or audience', async () => {
    assert.match(await rejection(signAccessToken(claims, other, 'k1')), /signature/);
    assert.match(
      await rejection(signAccessToken({ ...claims, exp: now - 120 }, privateKey, 'k1')),
      /expired/,
    );
    assert.match(await rejection(signAccessToken({ ...claims, iss: 'evil' }, privateKey, 'k1')), /issuer/);
    assert.match(await rejection(signAccessToken({ ...claims, aud: 'other' }, privateKey, 'k1')), /audience/);
    assert.match(await rejection(signAccessToken(claims, privateKey, 'unknown')), /unknown key/);
  });

  it('refuses a token whose claims were changed after signing', async () => {
    const [header, , signature] = signAccessToken(claims, privateKey, 'k1').split('.');
    assert.match(
      await rejection(`${header}.${b64({ ...claims, roles: ['ADMIN'] })}.${signature}`),
      /signature/,
    );
  });
});
