import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users by follower count: a feed page finds the celebrities (merged on read) among everyone by
 * this index, instead of scanning every user's counts on each request.
 */
export class MostFollowed1733300000000 implements MigrationInterface {
  name = 'MostFollowed1733300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX follow_counts_most_followed ON follow_counts (follower_count DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX follow_counts_most_followed');
  }
}
