import { OUTBOX_DDL, PROJECTION_POSITIONS_DDL } from '@voltstream/platform';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** feeds-command's own state: courses, enrollments, follows, posts, and what achievements need. */
export class FeedsCommandSchema1735000000000 implements MigrationInterface {
  name = 'FeedsCommandSchema1735000000000';

  async up(db: QueryRunner): Promise<void> {
    // The last version of every stream that is not a row of its own here (UserFollows,
    // UserActivity): taking a stream's next version locks its row for the transaction.
    await db.query(`CREATE TABLE aggregate_versions (
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      version int NOT NULL,
      PRIMARY KEY (aggregate_type, aggregate_id)
    )`);
    // Users as feeds learns them from identity.events: follow needs the followee to exist.
    await db.query(`CREATE TABLE users (
      id uuid PRIMARY KEY,
      registered_at timestamptz NOT NULL
    )`);
    await db.query(`CREATE TABLE courses (
      id uuid PRIMARY KEY,
      author_id uuid NOT NULL,
      title text NOT NULL,
      summary text NOT NULL,
      tags text[] NOT NULL,
      published_at timestamptz NOT NULL,
      enrollment_count int NOT NULL DEFAULT 0
    )`);
    await db.query(`CREATE TABLE lessons (
      id uuid PRIMARY KEY,
      course_id uuid NOT NULL REFERENCES courses (id),
      position int NOT NULL,
      title text NOT NULL,
      duration_minutes int NOT NULL,
      UNIQUE (course_id, position)
    )`);
    // One row per user and course (the Enrollment stream), carrying the stream's version.
    await db.query(`CREATE TABLE enrollments (
      user_id uuid NOT NULL,
      course_id uuid NOT NULL REFERENCES courses (id),
      enrolled_at timestamptz NOT NULL,
      completed_at timestamptz,
      version int NOT NULL,
      PRIMARY KEY (user_id, course_id)
    )`);
    await db.query(`CREATE TABLE lesson_completions (
      user_id uuid NOT NULL,
      course_id uuid NOT NULL,
      lesson_id uuid NOT NULL REFERENCES lessons (id),
      completed_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, course_id, lesson_id),
      FOREIGN KEY (user_id, course_id) REFERENCES enrollments (user_id, course_id)
    )`);
    await db.query(`CREATE TABLE follows (
      follower_id uuid NOT NULL,
      followee_id uuid NOT NULL,
      followed_at timestamptz NOT NULL,
      PRIMARY KEY (follower_id, followee_id),
      CHECK (follower_id <> followee_id)
    )`);
    await db.query(`CREATE TABLE posts (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      text text NOT NULL,
      posted_at timestamptz NOT NULL
    )`);
    // What the achievement rules read, per user: one row per lesson completed (fact_id
    // courseId:lessonId), course completed (courseId) or invoice paid (invoiceId). The key makes
    // a redelivered event record nothing new.
    await db.query(`CREATE TABLE achievement_facts (
      user_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('LESSON_COMPLETED', 'COURSE_COMPLETED', 'INVOICE_PAID')),
      fact_id text NOT NULL,
      at timestamptz NOT NULL,
      PRIMARY KEY (user_id, kind, fact_id)
    )`);
    // Billing speaks of invoices, not users: who owns an invoice (InvoiceIssued) and when it
    // became PAID (PaymentSucceeded), kept until both are known, in whatever order they come.
    await db.query(`CREATE TABLE billing_invoices (
      invoice_id uuid PRIMARY KEY,
      owner_id uuid,
      paid_at timestamptz
    )`);
    // Each achievement is awarded once per user, whatever is redelivered or replayed.
    await db.query(`CREATE TABLE achievements (
      user_id uuid NOT NULL,
      code text NOT NULL,
      title text NOT NULL,
      earned_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, code)
    )`);
    for (const statement of OUTBOX_DDL) await db.query(statement);
    await db.query(PROJECTION_POSITIONS_DDL);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'projection_positions',
      'outbox',
      'achievements',
      'billing_invoices',
      'achievement_facts',
      'posts',
      'follows',
      'lesson_completions',
      'enrollments',
      'lessons',
      'courses',
      'users',
      'aggregate_versions',
    ]) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
