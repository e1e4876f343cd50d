import { createDataSource, migrate } from '@voltstream/platform';
import { createScratchDatabase, testSettings } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { BILLING_COMMAND_MIGRATIONS } from '../migrations';

/** billing-command's schema in a database of its own, for projections and issuers run without the service. */
export async function scratchBillingCommandSchema(): Promise<{ db: DataSource; drop: () => Promise<void> }> {
  const settings = testSettings();
  const scratch = await createScratchDatabase(settings.databaseUrl, 'billing_command_test');
  const db = createDataSource({
    url: scratch.url,
    database: scratch.name,
    applicationName: 'billing-command-test',
    poolSize: 4,
    connectTimeoutMs: 3000,
    statementTimeoutMs: 10_000,
    migrations: BILLING_COMMAND_MIGRATIONS,
  });
  await db.initialize();
  await migrate(db, 'billing-command-test');
  return {
    db,
    drop: async () => {
      await db.destroy();
      await scratch.drop();
    },
  };
}
