import { Queryable } from '../../database/read-router';
import { ident } from './versions';

/** Partition → next offset to apply: where a projection stands in one schema's `projection_positions`. */
export type Positions = Map<number, bigint>;

export async function positionsIn(
  db: Queryable,
  schema: string,
  projection: string,
  topic: string,
): Promise<Positions> {
  const rows = await db.query<{ partition: number; next_offset: string }[]>(
    `SELECT partition, next_offset::text FROM ${ident(schema)}.projection_positions
     WHERE projection = $1 AND topic = $2`,
    [projection, topic],
  );
  return new Map(rows.map((row) => [row.partition, BigInt(row.next_offset)]));
}

/**
 * Whether `built` has applied everything `live` has, partition by partition. Consistency tokens
 * are aggregate versions, and an aggregate's events stay on one partition: a version that covers
 * the live one's positions shows every aggregate at the live version or later.
 */
export function covers(built: Positions, live: Positions): boolean {
  for (const [partition, next] of live) {
    if ((built.get(partition) ?? 0n) < next) return false;
  }
  return true;
}

export const total = (positions: Positions): number =>
  [...positions.values()].reduce((sum, next) => sum + Number(next), 0);
