import { PROJECTION_POSITIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** 2^-32 as an exact decimal: one trending generation (32 half-lives) of decay. */
export const ONE_GENERATION_DECAY = '0.00000000023283064365386962890625';

/**
 * Read models of feeds-query, written by its projectors on the read primary. No foreign keys:
 * courses, enrollments, follows and posts arrive on different partitions, in no guaranteed order.
 * Times the feed orders by are kept to the millisecond (timestamptz(3)), as its cursors carry them.
 */
export class FeedsReadModel1733200000000 implements MigrationInterface {
  name = 'FeedsReadModel1733200000000';

  async up(db: QueryRunner): Promise<void> {
    // The version each aggregate reached here: idempotency, and what consistency tokens wait for.
    await db.query(`CREATE TABLE aggregate_versions (
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      version int NOT NULL,
      PRIMARY KEY (aggregate_type, aggregate_id)
    )`);
    // A generated column may only use immutable functions; array_to_string is merely stable.
    await db.query(`CREATE FUNCTION feeds_tags_text(text[]) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string($1, ' ') $$`);
    await db.query(`CREATE TABLE courses (
      id uuid PRIMARY KEY,
      author_id uuid NOT NULL,
      title text NOT NULL,
      summary text NOT NULL,
      tags text[] NOT NULL,
      published_at timestamptz(3) NOT NULL,
      search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, feeds_tags_text(tags)), 'A') ||
        setweight(to_tsvector('english'::regconfig, summary), 'B')) STORED
    )`);
    await db.query('CREATE INDEX courses_newest ON courses (published_at DESC, id DESC)');
    await db.query('CREATE INDEX courses_search ON courses USING gin (search)');
    await db.query('CREATE INDEX courses_tags ON courses USING gin (tags)');
    await db.query(`CREATE TABLE lessons (
      course_id uuid NOT NULL,
      position int NOT NULL,
      id uuid NOT NULL,
      title text NOT NULL,
      duration_minutes int NOT NULL,
      PRIMARY KEY (course_id, position)
    )`);
    // Apart from courses: an enrollment may be projected before the course it belongs to.
    await db.query(`CREATE TABLE course_stats (
      course_id uuid PRIMARY KEY,
      enrollment_count int NOT NULL
    )`);
    await db.query(`CREATE TABLE enrollments (
      user_id uuid NOT NULL,
      course_id uuid NOT NULL,
      total_lessons int NOT NULL,
      completed_lessons int NOT NULL,
      completed_lesson_ids uuid[] NOT NULL,
      enrolled_at timestamptz(3) NOT NULL,
      completed_at timestamptz(3),
      PRIMARY KEY (user_id, course_id)
    )`);
    await db.query(`CREATE TABLE achievements (
      user_id uuid NOT NULL,
      code text NOT NULL,
      title text NOT NULL,
      earned_at timestamptz(3) NOT NULL,
      PRIMARY KEY (user_id, code)
    )`);
    await db.query(`CREATE TABLE follows (
      follower_id uuid NOT NULL,
      followee_id uuid NOT NULL,
      followed_at timestamptz(3) NOT NULL,
      PRIMARY KEY (follower_id, followee_id)
    )`);
    await db.query('CREATE INDEX follows_followee ON follows (followee_id, follower_id)');
    await db.query(`CREATE TABLE follow_counts (
      user_id uuid PRIMARY KEY,
      follower_count int NOT NULL,
      following_count int NOT NULL
    )`);
    // Who exists, from identity.UserRegistered: `user(id)` of anyone else reads null.
    await db.query(`CREATE TABLE users (
      id uuid PRIMARY KEY,
      display_name text NOT NULL,
      registered_at timestamptz NOT NULL
    )`);
    await db.query(`CREATE TABLE activities (
      id uuid PRIMARY KEY,
      actor_id uuid NOT NULL,
      verb text NOT NULL,
      course_id uuid,
      target_user_id uuid,
      text text,
      at timestamptz(3) NOT NULL
    )`);
    // A celebrity's recent activities (read at query time), and a followee's for a backfill.
    await db.query('CREATE INDEX activities_actor ON activities (actor_id, at DESC, id DESC)');
    // Fan-out on write: one row per feed an activity landed in; the key is also the page order.
    await db.query(`CREATE TABLE feed_items (
      owner_id uuid NOT NULL,
      at timestamptz(3) NOT NULL,
      activity_id uuid NOT NULL,
      actor_id uuid NOT NULL,
      PRIMARY KEY (owner_id, at, activity_id)
    )`);
    /*
     * Decaying trend scores, kept by adding libs/feeds' trendingScoreIncrement: `current_score`
     * sums the increments of the generation `generation` (relative to its epoch), and
     * `previous_score` those of the one before. Sums are exact numerics, so the order events
     * arrive in (partitions interleave differently on every replay) cannot change them; `score`
     * is what ranks the courses of one generation.
     */
    await db.query(`CREATE TABLE course_trend (
      trend_window text NOT NULL,
      course_id uuid NOT NULL,
      generation int NOT NULL,
      current_score numeric NOT NULL,
      previous_score numeric NOT NULL,
      score double precision GENERATED ALWAYS AS (
        (current_score + previous_score * ${ONE_GENERATION_DECAY})::double precision) STORED,
      PRIMARY KEY (trend_window, course_id)
    )`);
    await db.query(
      'CREATE INDEX course_trend_rank ON course_trend (trend_window, generation, score DESC, course_id)',
    );
    await db.query(PROJECTION_POSITIONS_DDL);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'projection_positions',
      'course_trend',
      'feed_items',
      'activities',
      'users',
      'follow_counts',
      'follows',
      'achievements',
      'enrollments',
      'course_stats',
      'lessons',
      'courses',
      'aggregate_versions',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
    await db.query('DROP FUNCTION feeds_tags_text(text[])');
  }
}
