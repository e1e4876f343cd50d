import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { IdentityErrorCodes } from './identity-errors';
import { decideRefresh, StoredRefreshToken } from './refresh-tokens';
import { decideRegistration } from './registration';

const codesOf = (input: { email: string; password: string; displayName: string }): string[] => {
  try {
    decideRegistration(input);
    return [];
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.fieldErrors.map((e) => e.code);
  }
};

describe('registration', () => {
  it('normalises the email so that case and spaces never make a second account', () => {
    assert.deepEqual(
      decideRegistration({
        email: '  Alice@Example.COM ',
        password: 'correct horse',
        displayName: ' Alice ',
      }),
      {
        email: 'alice@example.com',
        displayName: 'Alice',
      },
    );
  });

  it('rejects a password shorter than 10 characters, a bad email and an empty name, all at once', () => {
    assert.deepEqual(codesOf({ email: 'not-an-email', password: 'short', displayName: '  ' }), [
      IdentityErrorCodes.invalidEmail,
      IdentityErrorCodes.weakPassword,
      IdentityErrorCodes.invalidDisplayName,
    ]);
  });

  it('rejects control characters in a display name', () => {
    assert.deepEqual(codesOf({ email: 'a@b.co', password: '0123456789', displayName: 'bad\u0007name' }), [
      IdentityErrorCodes.invalidDisplayName,
    ]);
  });
});

describe('refresh token rotation', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const token: StoredRefreshToken = {
    familyId: 'f1',
    userId: 'u1',
    expiresAt: new Date('2026-07-01T00:00:00Z'),
    usedAt: null,
    revokedAt: null,
  };

  it('rotates a fresh token', () => {
    assert.deepEqual(decideRefresh(token, now), { kind: 'rotate', familyId: 'f1', userId: 'u1' });
  });

  it('detects the reuse of an exchanged token, which revokes its family', () => {
    assert.deepEqual(decideRefresh({ ...token, usedAt: now }, now), {
      kind: 'reuse-detected',
      familyId: 'f1',
    });
  });

  it('rejects unknown, expired and revoked tokens', () => {
    assert.deepEqual(decideRefresh(null, now), { kind: 'reject', reason: 'unknown' });
    assert.deepEqual(decideRefresh({ ...token, expiresAt: now }, now), { kind: 'reject', reason: 'expired' });
    assert.deepEqual(decideRefresh({ ...token, revokedAt: now, usedAt: now }, now), {
      kind: 'reject',
      reason: 'revoked',
    });
  });
});
