import { DomainError, ErrorCodes } from './errors';

/**
 * A consistency token names a write: the aggregate and the version it reached. A query given a
 * token waits (bounded) until its read model shows at least that version. Opaque to clients.
 */
export interface ConsistencyToken {
  aggregateType: string;
  aggregateId: string;
  version: number;
}

const PREFIX = 'ct1';

export function encodeConsistencyToken(token: ConsistencyToken): string {
  const body = `${token.aggregateType}|${token.aggregateId}|${token.version}`;
  return `${PREFIX}.${Buffer.from(body, 'utf8').toString('base64url')}`;
}

/** Returns null for anything that is not a token we issued. */
export function decodeConsistencyToken(text: string): ConsistencyToken | null {
  const [prefix, body, ...rest] = text.split('.');
  if (prefix !== PREFIX || !body || rest.length > 0 || text.length > 300) return null;
  const parts = Buffer.from(body, 'base64url').toString('utf8').split('|');
  if (parts.length !== 3) return null;
  const [aggregateType, aggregateId, versionText] = parts as [string, string, string];
  const version = Number(versionText);
  if (!aggregateType || !aggregateId || !Number.isSafeInteger(version) || version < 0) return null;
  return { aggregateType, aggregateId, version };
}

/**
 * The write a token given to a read names, or null without one; a token this API never issued
 * is BAD_USER_INPUT at `path` (the `consistency` argument or the `x-consistency-token` header).
 */
export function issuedConsistencyToken(
  text: string | null | undefined,
  path = 'consistency',
): ConsistencyToken | null {
  if (!text) return null;
  const token = decodeConsistencyToken(text);
  if (!token) {
    throw new DomainError(ErrorCodes.badUserInput, `${path} is not a token this API issued`, [
      { path, code: ErrorCodes.badUserInput, message: 'unknown token' },
    ]);
  }
  return token;
}
