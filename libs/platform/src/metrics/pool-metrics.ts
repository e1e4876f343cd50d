import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from './service-metrics';

interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The pg pool behind a TypeORM DataSource, if it has been created yet. */
function poolOf(dataSource: DataSource): PoolCounts | undefined {
  if (!dataSource.isInitialized) return undefined;
  return (dataSource.driver as unknown as { master?: PoolCounts }).master;
}

/**
 * `db_pool_connections{pool, state}`: connections in use, idle, and requests waiting for one,
 * read at scrape time for each named DataSource.
 */
export function reportPoolUsage(
  metrics: ServiceMetrics,
  pools: Record<string, DataSource | undefined>,
): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state (in_use, idle) and requests waiting for one',
    labelNames: ['pool', 'state'],
    registers: [metrics.registry],
    collect() {
      for (const [name, dataSource] of Object.entries(pools)) {
        const pool = dataSource ? poolOf(dataSource) : undefined;
        if (!pool) continue;
        this.set({ pool: name, state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ pool: name, state: 'idle' }, pool.idleCount);
        this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
      }
    },
  });
}
