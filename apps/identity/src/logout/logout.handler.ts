import { DataSource } from 'typeorm';
import { revokeFamily } from '../refresh-token/refresh-token.handler';
import { hashRefreshToken } from '../tokens/token-issuer';

/** Ends the session the refresh token belongs to: its whole family is revoked. */
export class LogoutHandler {
  constructor(private readonly db: DataSource) {}

  async execute(refreshToken: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ family_id: string }[]>(
        'SELECT family_id FROM refresh_tokens WHERE token_hash = $1',
        [hashRefreshToken(refreshToken)],
      );
      if (!rows[0]) return false;
      await revokeFamily(tx, rows[0].family_id);
      return true;
    });
  }
}
