import { MigrationInterface, QueryRunner } from 'typeorm';
import { PROJECTION_DEAD_LETTERS_DDL, PROJECTION_DEAD_LETTERS_TABLES } from './dead-letter-store';

/**
 * The dead-letter and parking tables, beside `projection_positions` in every database a
 * projection writes to: each service that runs projections lists this after its own migrations.
 */
export class ProjectionDeadLetters1767300000000 implements MigrationInterface {
  name = 'ProjectionDeadLetters1767300000000';

  async up(db: QueryRunner): Promise<void> {
    for (const ddl of PROJECTION_DEAD_LETTERS_DDL) await db.query(ddl);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of PROJECTION_DEAD_LETTERS_TABLES) await db.query(`DROP TABLE ${table}`);
  }
}
