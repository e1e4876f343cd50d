import { Queryable } from '../../database/read-router';

/**
 * Bookkeeping of a read model's versions, in the read primary's `public` schema. The live
 * version's tables are always in `public` (every reader, tool and test reads them there); a
 * version being built lives in schema `<key>_v<N>`, and a retired one is moved there at cut-over.
 */
export const READ_MODEL_VERSIONS_DDL = [
  `CREATE TABLE read_model_versions (
    read_model text NOT NULL,
    version int NOT NULL,
    state text NOT NULL CHECK (state IN ('building', 'live', 'retired', 'dropped', 'abandoned')),
    schema_name text NOT NULL,
    consumer_group text,
    started_at timestamptz NOT NULL DEFAULT now(),
    live_since timestamptz,
    retired_at timestamptz,
    PRIMARY KEY (read_model, version)
  )`,
  `CREATE UNIQUE INDEX read_model_versions_one_live ON read_model_versions (read_model) WHERE state = 'live'`,
];

export type VersionState = 'building' | 'live' | 'retired' | 'dropped' | 'abandoned';

export interface ReadModelVersion {
  version: number;
  state: VersionState;
  schemaName: string;
  consumerGroup: string | null;
  startedAt: Date;
  liveSince: Date | null;
  retiredAt: Date | null;
}

/** Where version `version` of read model `key` is built, and kept once retired. */
export const versionSchema = (key: string, version: number): string => `${key}_v${version}`;

/** The versions of a read model, oldest first; the tables in `public` are version 1 until a rebuild says otherwise. */
export async function versionsOf(db: Queryable, key: string): Promise<ReadModelVersion[]> {
  await db.query(
    `INSERT INTO read_model_versions (read_model, version, state, schema_name, live_since)
     SELECT $1, 1, 'live', 'public', now()
     WHERE NOT EXISTS (SELECT 1 FROM read_model_versions WHERE read_model = $1)`,
    [key],
  );
  const rows = await db.query<
    {
      version: number;
      state: VersionState;
      schema_name: string;
      consumer_group: string | null;
      started_at: Date;
      live_since: Date | null;
      retired_at: Date | null;
    }[]
  >('SELECT * FROM read_model_versions WHERE read_model = $1 ORDER BY version', [key]);
  return rows.map((row) => ({
    version: row.version,
    state: row.state,
    schemaName: row.schema_name,
    consumerGroup: row.consumer_group,
    startedAt: row.started_at,
    liveSince: row.live_since,
    retiredAt: row.retired_at,
  }));
}

export async function setState(
  db: Queryable,
  key: string,
  version: number,
  state: VersionState,
  schemaName?: string,
): Promise<void> {
  await db.query(
    `UPDATE read_model_versions SET state = $3, schema_name = coalesce($4, schema_name),
       live_since = CASE WHEN $3 = 'live' THEN now() ELSE live_since END,
       retired_at = CASE WHEN $3 = 'retired' THEN now() ELSE retired_at END
     WHERE read_model = $1 AND version = $2`,
    [key, version, state, schemaName ?? null],
  );
}

/** A quoted identifier; our schema names are `[a-z0-9_]`, and this keeps them that way. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return `"${name}"`;
}
