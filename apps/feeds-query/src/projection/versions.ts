import { Queryable } from '@voltstream/platform';

/** `aggregateType|aggregateId`: UserFollows and UserActivity share the user id as aggregate id. */
export const versionKey = (aggregateType: string, aggregateId: string): string =>
  `${aggregateType}|${aggregateId.toLowerCase()}`;

const split = (keys: readonly string[]) => {
  const pairs = keys.map((key) => {
    const at = key.indexOf('|');
    return [key.slice(0, at), key.slice(at + 1)] as const;
  });
  return [pairs.map(([type]) => type), pairs.map(([, id]) => id)];
};

/** The versions the read model holds for these aggregates (absent ones: none applied yet). */
export async function loadVersions(tx: Queryable, keys: readonly string[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.query<{ aggregate_type: string; aggregate_id: string; version: number }[]>(
    `SELECT v.aggregate_type, v.aggregate_id, v.version FROM aggregate_versions v
     JOIN unnest($1::text[], $2::text[]) AS k(aggregate_type, aggregate_id)
       USING (aggregate_type, aggregate_id)`,
    split(keys),
  );
  return new Map(rows.map((row) => [versionKey(row.aggregate_type, row.aggregate_id), row.version]));
}

/** Raises versions (never lowers them), in the transaction that applied their events. */
export async function saveVersions(tx: Queryable, versions: ReadonlyMap<string, number>): Promise<void> {
  if (versions.size === 0) return;
  const keys = [...versions.keys()].sort();
  const [types, ids] = split(keys);
  await tx.query(
    `INSERT INTO aggregate_versions (aggregate_type, aggregate_id, version)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
     ON CONFLICT (aggregate_type, aggregate_id)
       DO UPDATE SET version = GREATEST(aggregate_versions.version, EXCLUDED.version)`,
    [types, ids, keys.map((key) => versions.get(key)!)],
  );
}
