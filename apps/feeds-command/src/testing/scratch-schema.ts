import { createDataSource, migrate } from '@voltstream/platform';
import { createScratchDatabase, testSettings } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { FeedsCommandSchema1735000000000 } from '../migrations/1735000000000-feeds-command-schema';
import { EnergyFacts1767400000000 } from '../migrations/1767400000000-energy-facts';

/** feeds-command's schema in a database of its own, for projections applied without the service. */
export async function scratchFeedsCommandSchema(): Promise<{ db: DataSource; drop: () => Promise<void> }> {
  const settings = testSettings();
  const scratch = await createScratchDatabase(settings.databaseUrl, 'feeds_command_test');
  const db = createDataSource({
    url: scratch.url,
    database: scratch.name,
    applicationName: 'feeds-command-test',
    poolSize: 2,
    connectTimeoutMs: 3000,
    statementTimeoutMs: 10_000,
    migrations: [FeedsCommandSchema1735000000000, EnergyFacts1767400000000],
  });
  await db.initialize();
  await migrate(db, 'feeds-command-test');
  return {
    db,
    drop: async () => {
      await db.destroy();
      await scratch.drop();
    },
  };
}
