import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Queryable, signAccessToken } from '@voltstream/platform';
import { Account, toUser } from '../accounts/account-store';
import { SigningKeys } from './signing-keys';

export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export const hashRefreshToken = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Issues an access token and a refresh token of a family (a new family on sign-in). */
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly settings: TokenSettings,
  ) {}

  async issue(tx: Queryable, account: Account, familyId: string = randomUUID()) {
    const now = Math.floor(Date.now() / 1000);
    const key = this.keys.current();
    const accessToken = await signAccessToken(
      {
        sub: account.id,
        roles: account.roles,
        iss: this.settings.issuer,
        aud: this.settings.audience,
        iat: now,
        exp: now + this.settings.accessTokenTtlSeconds,
      },
      key.privateKey,
      key.kid,
    );
    const refreshToken = randomBytes(32).toString('base64url');
    await tx.query(
      `INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hashRefreshToken(refreshToken), familyId, account.id, this.settings.refreshTokenTtlSeconds],
    );
    return {
      accessToken,
      refreshToken,
      expiresIn: this.settings.accessTokenTtlSeconds,
      user: toUser(account, true),
    };
  }
}

export type AuthPayload = Awaited<ReturnType<TokenIssuer['issue']>>;
