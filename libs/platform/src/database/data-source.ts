import { DataSource, MixedList } from 'typeorm';

export interface DataSourceOptions {
  url: string;
  database: string;
  /** Shows in pg_stat_activity, so an operator can tell the services' connections apart. */
  applicationName: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** The only schema unqualified names resolve to (a read-model version being rebuilt); default public. */
  searchPath?: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function>;
}

/** The server URL with the service's database, unless the URL already names one. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * A plain DataSource per database role. Replication is routed by ReadRouter rather than by
 * TypeORM's `replication` option: a failed slave pool can crash TypeORM and it has no
 * failover (typeorm#7640), and raw queries would go to the master anyway (typeorm#6173).
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: withDatabase(options.url, options.database),
    applicationName: options.applicationName,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'schema_migrations',
    migrations: options.migrations ?? [],
    connectTimeoutMS: options.connectTimeoutMs,
    extra: {
      max: options.poolSize,
      statement_timeout: options.statementTimeoutMs,
      idleTimeoutMillis: 30_000,
      ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
    },
  });
}

/**
 * Runs pending migrations under an advisory lock, so that several instances booting together
 * apply each migration once.
 */
export async function migrate(dataSource: DataSource, lockName: string): Promise<void> {
  const runner = dataSource.createQueryRunner('master');
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${lockName}`]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${lockName}`])
      .catch(() => undefined);
    await runner.release();
  }
}
