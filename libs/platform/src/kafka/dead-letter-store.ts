import { KafkaMessage } from 'kafkajs';
import { Queryable } from '../database/read-router';
import { ClassifiedError } from './error-kinds';

/**
 * Where a projection keeps, in its own database beside `projection_positions`, what it
 * dead-lettered and the later events of those keys it holds back. Values are bytea: a poison
 * message may hold bytes (a NUL) that a text column refuses.
 */
export const PROJECTION_DEAD_LETTERS_DDL: readonly string[] = [
  `CREATE TABLE projection_dead_letters (
    projection text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    message_key text,
    value bytea,
    error text NOT NULL,
    error_kind text NOT NULL,
    error_reason text NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
    resolved_at timestamptz,
    resolved_by text,
    resolution text,
    PRIMARY KEY (projection, topic, partition, "offset")
  )`,
  `CREATE INDEX projection_dead_letters_open ON projection_dead_letters (projection, topic, partition, message_key)
    WHERE status = 'open'`,
  `CREATE TABLE projection_parked (
    projection text NOT NULL,
    topic text NOT NULL,
    partition int NOT NULL,
    "offset" bigint NOT NULL,
    message_key text NOT NULL,
    value bytea,
    parked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition, "offset")
  )`,
  `CREATE INDEX projection_parked_by_key ON projection_parked (projection, topic, partition, message_key, "offset")`,
];

export const PROJECTION_DEAD_LETTERS_TABLES = ['projection_parked', 'projection_dead_letters'] as const;

/** One Kafka message of one projection. */
export interface MessageRef {
  projection: string;
  topic: string;
  partition: number;
  offset: string;
}

export const keyOf = (message: KafkaMessage): string | null => message.key?.toString('utf8') ?? null;

/**
 * Keys of this partition with an open dead letter: their later events wait. A message without a
 * key has no order to keep, so it is never held back.
 */
export async function blockedKeys(
  tx: Queryable,
  projection: string,
  topic: string,
  partition: number,
): Promise<Set<string>> {
  const rows = await tx.query<{ message_key: string }[]>(
    `SELECT DISTINCT message_key FROM projection_dead_letters
     WHERE projection = $1 AND topic = $2 AND partition = $3 AND status = 'open' AND message_key IS NOT NULL`,
    [projection, topic, partition],
  );
  return new Set(rows.map((row) => row.message_key));
}

/** Holds messages back (by offset, so a redelivery parks nothing twice). */
export async function park(
  tx: Queryable,
  projection: string,
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await tx.query(
    `INSERT INTO projection_parked (projection, topic, partition, "offset", message_key, value)
     SELECT $1, $2, $3, * FROM unnest($4::bigint[], $5::text[], $6::bytea[])
     ON CONFLICT DO NOTHING`,
    [
      projection,
      topic,
      partition,
      messages.map((m) => m.offset),
      messages.map((m) => keyOf(m) ?? ''),
      messages.map((m) => m.value ?? null),
    ],
  );
}

export async function isDeadLettered(db: Queryable, ref: MessageRef): Promise<boolean> {
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM projection_dead_letters
     WHERE projection = $1 AND topic = $2 AND partition = $3 AND "offset" = $4`,
    [ref.projection, ref.topic, ref.partition, ref.offset],
  );
  return rows.length > 0;
}

/** Records a dead letter (once per message): from now on its key's later events are parked. */
export async function recordDeadLetter(
  tx: Queryable,
  ref: MessageRef,
  message: KafkaMessage,
  error: string,
  classified: ClassifiedError,
): Promise<void> {
  await tx.query(
    `INSERT INTO projection_dead_letters
       (projection, topic, partition, "offset", message_key, value, error, error_kind, error_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT DO NOTHING`,
    [
      ref.projection,
      ref.topic,
      ref.partition,
      ref.offset,
      keyOf(message),
      message.value ?? null,
      error,
      classified.kind,
      classified.reason,
    ],
  );
}

/** A deterministic id for a dead letter, sent as a header: a reader can drop a resend by it. */
export const deadLetterId = (ref: MessageRef): string =>
  `${ref.projection}:${ref.topic}:${ref.partition}:${ref.offset}`;
