import {
  COURSE_AGGREGATE,
  ConsistencyToken,
  ENROLLMENT_AGGREGATE,
  IDENTITY_AGGREGATE,
  issuedConsistencyToken,
  USER_ACTIVITY_AGGREGATE,
  USER_FOLLOWS_AGGREGATE,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { Queryable, waitForReadModel } from '@voltstream/platform';

const ENROLLMENT_ID = new RegExp(
  `^${UUID_PATTERN.source.slice(1, -1)}:${UUID_PATTERN.source.slice(1, -1)}$`,
  'i',
);

/** The aggregates of feeds, and identity's users it keeps, with the shape of their ids. */
const AGGREGATE_IDS: Record<string, RegExp> = {
  [IDENTITY_AGGREGATE]: UUID_PATTERN,
  [COURSE_AGGREGATE]: UUID_PATTERN,
  [ENROLLMENT_AGGREGATE]: ENROLLMENT_ID,
  [USER_FOLLOWS_AGGREGATE]: UUID_PATTERN,
  [USER_ACTIVITY_AGGREGATE]: UUID_PATTERN,
};

/**
 * The write a token names that this read model shows, or null without a token: a feeds write,
 * or a registration (`user(id)` reads who is registered). A token of another domain (a meter's,
 * say) asks nothing of this read model; one we never issued is BAD_USER_INPUT.
 */
export function feedsWriteOf(text: string | null | undefined, path = 'consistency'): ConsistencyToken | null {
  const token = issuedConsistencyToken(text, path);
  const idShape = token && AGGREGATE_IDS[token.aggregateType];
  return idShape && idShape.test(token.aggregateId) ? token : null;
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
  await waitForReadModel(async () => {
    // A user's only write feeds sees is the registration (version 1): the users row.
    if (write.aggregateType === IDENTITY_AGGREGATE) {
      const users = await db.query<unknown[]>('SELECT 1 FROM users WHERE id = $1', [write.aggregateId]);
      return users.length > 0;
    }
    const rows = await db.query<{ version: number }[]>(
      'SELECT version FROM aggregate_versions WHERE aggregate_type = $1 AND aggregate_id = $2',
      [write.aggregateType, write.aggregateId.toLowerCase()],
    );
    return (rows[0]?.version ?? 0) >= write.version;
  }, timeoutMs);
}
