import { DomainError, ErrorCodes, parseEnvelope } from '@voltstream/contracts';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/read-router';
import { KafkaMessage } from 'kafkajs';
import { recordDeadLetter } from './dead-letter-store';
import { classifyError } from './error-kinds';
import { ConsumedEvent, Projection } from './projection';

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';

/** A message a projection dead-lettered, with what became of it. */
export interface DeadLetterRecord {
  projection: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  error: string;
  errorKind: string;
  errorReason: string;
  deadLetteredAt: Date;
  status: DeadLetterStatus;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
  /** Later events of its key held back while it is open. */
  parked: number;
}

export interface ParkedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string;
  value: string | null;
  parkedAt: Date;
}

/** Which dead letter of the projection: its source topic, partition and offset. */
export interface DeadLetterRef {
  topic: string;
  partition: number;
  offset: string;
}

interface DeadLetterRow {
  topic: string;
  partition: number;
  offset: string;
  message_key: string | null;
  value: Buffer | null;
  error: string;
  error_kind: string;
  error_reason: string;
  dead_lettered_at: Date;
  status: DeadLetterStatus;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolution: string | null;
  parked: number;
}

/**
 * What an operator does with one projection's dead letters, callable from a service (an admin
 * surface calls these): list them and the events their keys hold back, `replay` one (apply it
 * again with today's code, then its key's parked events in offset order) or `discard` it (kept
 * as an audit row with who and why; its key's parked events are applied). Each is one
 * transaction under the partition's position lock, so the runner never parks an event of that
 * key while it is being released.
 */
export class ProjectionDeadLetters<T> {
  constructor(
    private readonly db: DataSource,
    private readonly projection: Projection<T>,
  ) {}

  /** The projection's name, as its dead letters are filed. */
  get projectionName(): string {
    return this.projection.name;
  }

  /** Oldest first (by topic, partition, offset), at most `limit`. */
  async list(status?: DeadLetterStatus, limit = 1000): Promise<DeadLetterRecord[]> {
    const rows = await this.db.query<DeadLetterRow[]>(
      `SELECT d.topic, d.partition, d."offset"::text AS offset, d.message_key, d.value, d.error, d.error_kind,
              d.error_reason, d.dead_lettered_at, d.status, d.resolved_at, d.resolved_by, d.resolution,
              (SELECT count(*)::int FROM projection_parked p
               WHERE d.status = 'open' AND p.projection = d.projection AND p.topic = d.topic
                 AND p.partition = d.partition AND p.message_key = d.message_key) AS parked
       FROM projection_dead_letters d
       WHERE d.projection = $1 AND ($2::text IS NULL OR d.status = $2)
       ORDER BY d.topic, d.partition, d."offset"
       LIMIT $3`,
      [this.projection.name, status ?? null, limit],
    );
    return rows.map((row) => ({
      projection: this.projection.name,
      topic: row.topic,
      partition: row.partition,
      offset: row.offset,
      key: row.message_key,
      value: row.value?.toString('utf8') ?? null,
      error: row.error,
      errorKind: row.error_kind,
      errorReason: row.error_reason,
      deadLetteredAt: row.dead_lettered_at,
      status: row.status,
      resolvedAt: row.resolved_at,
      resolvedBy: row.resolved_by,
      resolution: row.resolution,
      parked: row.parked,
    }));
  }

  /** Events held back behind open dead letters, per partition in offset order. */
  async parked(): Promise<ParkedEvent[]> {
    const rows = await this.db.query<
      {
        topic: string;
        partition: number;
        offset: string;
        message_key: string;
        value: Buffer | null;
        parked_at: Date;
      }[]
    >(
      `SELECT topic, partition, "offset"::text AS offset, message_key, value, parked_at FROM projection_parked
       WHERE projection = $1 ORDER BY topic, partition, projection_parked."offset"`,
      [this.projection.name],
    );
    return rows.map((row) => ({
      topic: row.topic,
      partition: row.partition,
      offset: row.offset,
      key: row.message_key,
      value: row.value?.toString('utf8') ?? null,
      parkedAt: row.parked_at,
    }));
  }

  /**
   * Applies the dead-lettered event again, then its key's parked events in offset order, in one
   * transaction; on failure nothing changes and the error is thrown. Returns how many applied.
   */
  replay(ref: DeadLetterRef, by: string): Promise<number> {
    return this.release(ref, { replay: true, by, resolution: 'replayed' });
  }

  /** Gives the dead letter up (the row stays, with who and why) and applies its key's parked events. */
  discard(ref: DeadLetterRef, reason: string, by: string): Promise<number> {
    if (reason.trim() === '') throw new DomainError(ErrorCodes.badUserInput, 'a discard needs a reason');
    return this.release(ref, { replay: false, by, resolution: reason });
  }

  private async release(
    ref: DeadLetterRef,
    how: { replay: boolean; by: string; resolution: string },
  ): Promise<number> {
    const name = this.projection.name;
    const where = [name, ref.topic, ref.partition];
    const done = await this.db.transaction(async (tx) => {
      await tx.query(
        'SELECT 1 FROM projection_positions WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
        where,
      );
      const [letter] = await tx.query<{ message_key: string | null; value: Buffer | null }[]>(
        `SELECT message_key, value FROM projection_dead_letters
         WHERE projection = $1 AND topic = $2 AND partition = $3 AND "offset" = $4 AND status = 'open' FOR UPDATE`,
        [...where, ref.offset],
      );
      if (!letter)
        throw new DomainError(
          ErrorCodes.notFound,
          `${name} has no open dead letter at ${ref.topic}/${ref.partition}@${ref.offset}`,
        );
      const parked =
        letter.message_key === null
          ? []
          : await tx.query<{ offset: string; value: Buffer | null }[]>(
              `SELECT "offset"::text AS offset, value FROM projection_parked
               WHERE projection = $1 AND topic = $2 AND partition = $3 AND message_key = $4
               ORDER BY projection_parked."offset"`,
              [...where, letter.message_key],
            );
      // A replayed letter that still fails throws: the transaction rolls back, nothing changes.
      const outcomes = how.replay ? [await this.applyOne(tx, ref, ref.offset, letter.value)] : [];
      const released = await this.releaseParked(tx, ref, letter.message_key, parked, outcomes);
      await tx.query(
        `UPDATE projection_dead_letters SET status = $5, resolved_at = now(), resolved_by = $6, resolution = $7
         WHERE projection = $1 AND topic = $2 AND partition = $3 AND "offset" = $4`,
        [...where, ref.offset, how.replay ? 'replayed' : 'discarded', how.by, how.resolution],
      );
      return { count: outcomes.length, outcomes, released };
    });
    for (const outcome of done.outcomes) await this.projection.afterCommit?.(outcome);
    return done.count;
  }

  /**
   * Applies a key's parked events in offset order, each in a savepoint. One that can never apply
   * becomes the key's dead letter in turn (the events after it stay parked behind it), so a
   * release never loses an event and never reorders a key. A transient error throws: the whole
   * release rolls back and can be tried again.
   */
  private async releaseParked(
    tx: Queryable,
    ref: DeadLetterRef,
    key: string | null,
    parked: { offset: string; value: Buffer | null }[],
    outcomes: T[],
  ): Promise<number> {
    const leaving: string[] = [];
    for (const event of parked) {
      await tx.query('SAVEPOINT release_parked');
      try {
        outcomes.push(await this.applyOne(tx, ref, event.offset, event.value));
        await tx.query('RELEASE SAVEPOINT release_parked');
        leaving.push(event.offset);
      } catch (error) {
        const classified = classifyError(error);
        if (classified.kind !== 'permanent') throw error;
        await tx.query('ROLLBACK TO SAVEPOINT release_parked');
        const message = { key: key === null ? null : Buffer.from(key), value: event.value } as KafkaMessage;
        const at = { projection: this.projection.name, ...ref, offset: event.offset };
        await recordDeadLetter(tx, at, message, errorText(error), classified);
        leaving.push(event.offset);
        break;
      }
    }
    if (leaving.length > 0)
      await tx.query(
        `DELETE FROM projection_parked
         WHERE projection = $1 AND topic = $2 AND partition = $3 AND "offset" = ANY($4::bigint[])`,
        [this.projection.name, ref.topic, ref.partition, leaving],
      );
    return leaving.length;
  }

  private applyOne(tx: Queryable, ref: DeadLetterRef, offset: string, value: Buffer | null): Promise<T> {
    const event: ConsumedEvent = {
      envelope: parseEnvelope(value?.toString('utf8') ?? ''),
      topic: ref.topic,
      partition: ref.partition,
      offset,
    };
    return this.projection.apply([event], tx);
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
