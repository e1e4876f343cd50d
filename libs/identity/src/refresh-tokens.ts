/** What the store knows of a refresh token presented by a client. */
export interface StoredRefreshToken {
  familyId: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export type RefreshDecision =
  | { kind: 'rotate'; familyId: string; userId: string }
  /** A token already exchanged came back: someone holds a copy, so the whole family dies. */
  | { kind: 'reuse-detected'; familyId: string }
  | { kind: 'reject'; reason: 'unknown' | 'expired' | 'revoked' };

/**
 * Refresh tokens rotate: each is exchanged once for a new pair. Presenting a used one revokes
 * its family (every token descended from the same login), per OAuth 2.0 Security BCP 4.14.
 */
export function decideRefresh(token: StoredRefreshToken | null, now: Date): RefreshDecision {
  if (!token) return { kind: 'reject', reason: 'unknown' };
  if (token.revokedAt) return { kind: 'reject', reason: 'revoked' };
  if (token.usedAt) return { kind: 'reuse-detected', familyId: token.familyId };
  if (token.expiresAt.getTime() <= now.getTime()) return { kind: 'reject', reason: 'expired' };
  return { kind: 'rotate', familyId: token.familyId, userId: token.userId };
}
