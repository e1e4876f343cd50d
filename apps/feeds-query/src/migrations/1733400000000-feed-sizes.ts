import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many rows each feed holds, kept exact by the projector in the transaction that changes
 * the feed: the cap is then enforced only on feeds over it, instead of counting 1,000 index
 * entries of every feed a batch touched (most are far below the cap).
 */
export class FeedSizes1733400000000 implements MigrationInterface {
  name = 'FeedSizes1733400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE feed_sizes (
      owner_id uuid PRIMARY KEY,
      size int NOT NULL
    )`);
    await db.query(
      'INSERT INTO feed_sizes (owner_id, size) SELECT owner_id, count(*) FROM feed_items GROUP BY owner_id',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE feed_sizes');
  }
}
