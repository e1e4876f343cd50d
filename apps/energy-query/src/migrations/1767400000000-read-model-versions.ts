import { READ_MODEL_VERSIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Bookkeeping of the read model's versions for `npm run rebuild -- energy` (docs/read-model-rebuild.md). */
export class ReadModelVersions1767400000000 implements MigrationInterface {
  name = 'ReadModelVersions1767400000000';

  async up(db: QueryRunner): Promise<void> {
    for (const ddl of READ_MODEL_VERSIONS_DDL) await db.query(ddl);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE read_model_versions');
  }
}
