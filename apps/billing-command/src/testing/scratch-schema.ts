import { createDataSource, migrate, ProjectionDeadLetters1767300000000 } from '@voltstream/platform';
import { createScratchDatabase, testSettings } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { BillingSchema1733000000000 } from '../migrations/1733000000000-billing-schema';
import { CreditNotes1767400000000 } from '../migrations/1767400000000-credit-notes';
import { LateUsage1767500000000 } from '../migrations/1767500000000-late-usage';
import { EstimatedUsage1767600000000 } from '../migrations/1767600000000-estimated-usage';

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
    migrations: [
      BillingSchema1733000000000,
      ProjectionDeadLetters1767300000000,
      CreditNotes1767400000000,
      LateUsage1767500000000,
      EstimatedUsage1767600000000,
    ],
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
