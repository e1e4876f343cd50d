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
