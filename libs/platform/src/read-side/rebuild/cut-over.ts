import { DataSource } from 'typeorm';
import { Queryable } from '../../database/read-router';
import { covers, positionsIn } from './positions';
import { ident, setState, versionSchema } from './versions';

export interface CutOverPlan {
  key: string;
  projection: string;
  topic: string;
  /** The version built in schema `<key>_v<version>`. */
  version: number;
  /** The live version, moved to schema `<key>_v<previous>`. */
  previous: number;
  /** How long the live projector may be held while the new version applies what it has not yet. */
  catchUpMs: number;
  /** How long a table swap may wait for a reader's lock before the cut-over is tried again later. */
  lockTimeoutMs: number;
}

/**
 * Makes the built version live in one transaction, or changes nothing and returns false.
 *
 * The live projector is held first (an EXCLUSIVE lock on `public.projection_positions`, which
 * every projector batch takes a row lock on before anything else), so its position stops
 * moving. Once the built version has applied every offset the live one has, the builder is
 * stopped (its last batch commits), and the tables trade places: the live ones move to
 * `<key>_v<previous>`, the built ones to `public`. The live projector's waiting batch then finds
 * the new `projection_positions` and skips what the builder applied; readers see the old tables
 * or the new ones, never a mix within a statement and never a half-built version.
 */
export async function cutOver(
  primary: DataSource,
  plan: CutOverPlan,
  stopBuilder: () => Promise<void>,
): Promise<boolean> {
  const building = versionSchema(plan.key, plan.version);
  const retired = versionSchema(plan.key, plan.previous);
  const runner = primary.createQueryRunner('master');
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query(`SELECT set_config('lock_timeout', $1, true)`, [String(plan.lockTimeoutMs)]);
    await runner.query('LOCK TABLE public.projection_positions IN EXCLUSIVE MODE');
    if (!(await builtCovers(runner, plan, building, Date.now() + plan.catchUpMs))) {
      await runner.rollbackTransaction();
      return false;
    }
    await stopBuilder();
    if (!(await builtCovers(runner, plan, building, Date.now()))) {
      throw new Error('the stopped builder no longer covers the live version');
    }
    await swapTables(runner, building, retired);
    await setState(runner, plan.key, plan.previous, 'retired', retired);
    await setState(runner, plan.key, plan.version, 'live', 'public');
    await runner.commitTransaction();
    return true;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

async function builtCovers(db: Queryable, plan: CutOverPlan, building: string, deadline: number) {
  const live = await positionsIn(db, 'public', plan.projection, plan.topic);
  for (;;) {
    const built = await positionsIn(db, building, plan.projection, plan.topic);
    if (covers(built, live)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every table of `building` goes to public; the public tables of the same names (and their partitions) to `retired`. */
async function swapTables(db: Queryable, building: string, retired: string): Promise<void> {
  const built = await tablesIn(db, building);
  const live = await db.query<{ relname: string }[]>(
    `SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND (c.relname = ANY($1::text[]) OR c.oid IN (
         SELECT i.inhrelid FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
         WHERE p.relnamespace = 'public'::regnamespace AND p.relname = ANY($1::text[])))`,
    [built],
  );
  await db.query(`CREATE SCHEMA ${ident(retired)}`);
  for (const { relname } of live)
    await db.query(`ALTER TABLE public.${ident(relname)} SET SCHEMA ${ident(retired)}`);
  for (const relname of built)
    await db.query(`ALTER TABLE ${ident(building)}.${ident(relname)} SET SCHEMA public`);
  await db.query(`DROP SCHEMA ${ident(building)}`);
}

async function tablesIn(db: Queryable, schema: string): Promise<string[]> {
  const rows = await db.query<{ relname: string }[]>(
    `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`,
    [schema],
  );
  return rows.map((row) => row.relname);
}
