import {
  BILLING_ACCOUNT_AGGREGATE,
  ConsistencyToken,
  INVOICE_AGGREGATE,
  issuedConsistencyToken,
  TARIFF_AGGREGATE,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { Queryable, waitForReadModel } from '@voltstream/platform';

/** Where the read model keeps each billing aggregate's version. */
const TABLES: Record<string, string> = {
  [TARIFF_AGGREGATE]: 'tariffs',
  [BILLING_ACCOUNT_AGGREGATE]: 'accounts',
  [INVOICE_AGGREGATE]: 'invoices',
};

/**
 * The billing write a token names, or null without a token. A token of another domain (a
 * meter's, say) asks nothing of this read model; one we never issued is BAD_USER_INPUT.
 */
export function billingWriteOf(text: string | undefined, path = 'consistency'): ConsistencyToken | null {
  const token = issuedConsistencyToken(text, path);
  return token && TABLES[token.aggregateType] && UUID_PATTERN.test(token.aggregateId) ? token : null;
}

/**
 * Waits until the read model shows the token's aggregate at its version or later, polling the
 * database the caller reads next; CONSISTENCY_TIMEOUT after `timeoutMs`.
 */
export async function waitForWrite(
  db: Queryable,
  write: ConsistencyToken | null,
  timeoutMs: number,
): Promise<void> {
  if (!write) return;
  await waitForVersions(db, write.aggregateType, new Map([[write.aggregateId, write.version]]), timeoutMs);
}

/** Waits until every aggregate of one type reaches its version on this database. */
export async function waitForVersions(
  db: Queryable,
  aggregateType: string,
  versions: ReadonlyMap<string, number>,
  timeoutMs: number,
): Promise<void> {
  const table = TABLES[aggregateType];
  if (!table) throw new Error(`no read-model table for ${aggregateType}`);
  const ids = [...versions.keys()];
  await waitForReadModel(async () => {
    const rows = await db.query<{ id: string; version: number }[]>(
      `SELECT id, version FROM ${table} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const reached = new Map(rows.map((row) => [row.id, row.version]));
    return ids.every((id) => (reached.get(id) ?? 0) >= versions.get(id)!);
  }, timeoutMs);
}
