import { DomainError } from '@voltstream/contracts';
import { decideRefresh, IdentityErrorCodes, StoredRefreshToken } from '@voltstream/identity';
import { Queryable } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { accountStore } from '../accounts/account-store';
import { AuthPayload, hashRefreshToken, TokenIssuer } from '../tokens/token-issuer';

const invalid = () =>
  new DomainError(IdentityErrorCodes.invalidRefreshToken, 'the refresh token is not valid; sign in again');

/** Exchanges a refresh token once; a second use revokes its whole family. */
export class RefreshTokenHandler {
  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenIssuer,
  ) {}

  async execute(refreshToken: string): Promise<AuthPayload> {
    const hash = hashRefreshToken(refreshToken);
    const outcome = await this.db.transaction(async (tx) => {
      const decision = decideRefresh(await findToken(tx, hash), new Date());
      if (decision.kind === 'reuse-detected') {
        await revokeFamily(tx, decision.familyId);
        return null;
      }
      if (decision.kind === 'reject') return null;
      await tx.query('UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1', [hash]);
      const account = await accountStore.byId(tx, decision.userId);
      return account ? this.tokens.issue(tx, account, decision.familyId) : null;
    });
    if (!outcome) throw invalid();
    return outcome;
  }
}

async function findToken(tx: Queryable, hash: Buffer): Promise<StoredRefreshToken | null> {
  const rows = await tx.query<
    { family_id: string; user_id: string; expires_at: Date; used_at: Date | null; revoked_at: Date | null }[]
  >(
    'SELECT family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE',
    [hash],
  );
  const row = rows[0];
  return row
    ? {
        familyId: row.family_id,
        userId: row.user_id,
        expiresAt: row.expires_at,
        usedAt: row.used_at,
        revokedAt: row.revoked_at,
      }
    : null;
}

export async function revokeFamily(tx: Queryable, familyId: string): Promise<void> {
  await tx.query('UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL', [
    familyId,
  ]);
}
