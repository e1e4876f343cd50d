import { Queryable } from '@voltstream/platform';
import { monthPartitionDdl, monthPartitionName } from '../migrations/1732400000000-partition-readings';

/**
 * Makes sure the monthly partitions of `readings` exist for these instants. A month is
 * remembered only once its partition was seen committed, so a rolled-back CREATE is retried;
 * creating takes a transaction-level advisory lock, so projector batches running side by side
 * never race on the same CREATE.
 */
export class ReadingPartitions {
  private readonly committed = new Set<string>();

  async ensureFor(tx: Queryable, instants: Iterable<Date>): Promise<void> {
    const months = new Set<string>();
    for (const at of instants) {
      const month = `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}-01`;
      if (!this.committed.has(month)) months.add(month);
    }
    if (months.size === 0) return;
    const rows = await tx.query<{ month: string; present: boolean }[]>(
      'SELECT m AS month, to_regclass(n) IS NOT NULL AS present FROM unnest($1::text[], $2::text[]) AS t(m, n)',
      [[...months], [...months].map(monthPartitionName)],
    );
    const missing = rows.filter((row) => !row.present).map((row) => row.month);
    for (const row of rows) if (row.present) this.committed.add(row.month);
    if (missing.length === 0) return;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('energy-read:readings-partitions'))`);
    for (const month of missing.sort()) await tx.query(monthPartitionDdl(month));
  }
}
