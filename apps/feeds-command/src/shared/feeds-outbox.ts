import { EventEnvelope, feedsAggregateOf, FeedsEvent, Topics } from '@voltstream/contracts';
import { appendToOutbox, newEnvelope, Queryable } from '@voltstream/platform';

export interface EmitOptions {
  actorId: string | null;
  /** The event this decision reacted to, for an automatic one such as an achievement. */
  causationId?: string;
  occurredAt?: Date;
}

/** Writes feeds events into this transaction's outbox; the relay publishes them after commit. */
export class FeedsOutbox {
  constructor(private readonly service: string) {}

  /**
   * Events of one decision, all of one stream (feedsAggregateOf), take consecutive versions
   * ending at `lastVersion`. Returns the envelopes, whose ids are the activities' ids.
   */
  async emit(
    tx: Queryable,
    lastVersion: number,
    events: readonly FeedsEvent[],
    options: EmitOptions,
  ): Promise<EventEnvelope[]> {
    const envelopes = events.map((event, index) => {
      const { aggregateType, aggregateId } = feedsAggregateOf(event);
      return newEnvelope({
        type: event.type,
        schemaVersion: event.schemaVersion,
        aggregateType,
        aggregateId,
        aggregateVersion: lastVersion - (events.length - 1 - index),
        payload: event.payload,
        actorId: options.actorId,
        causationId: options.causationId ?? null,
        occurredAt: options.occurredAt,
      });
    });
    const streams = new Set(envelopes.map((e) => `${e.aggregateType}|${e.aggregateId}`));
    if (streams.size > 1) throw new Error(`one decision, one stream: got ${[...streams].join(', ')}`);
    await appendToOutbox(tx, this.service, Topics.feeds, envelopes);
    return envelopes;
  }
}

/**
 * The version of a stream kept in aggregate_versions (UserFollows, UserActivity), with its row
 * locked until the transaction ends: deciders of one stream then run one at a time. 0 when new.
 */
export async function lockStream(tx: Queryable, aggregateType: string, aggregateId: string): Promise<number> {
  const rows = await tx.query<{ version: number }[]>(
    `INSERT INTO aggregate_versions (aggregate_type, aggregate_id, version) VALUES ($1, $2, 0)
     ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = aggregate_versions.version
     RETURNING version`,
    [aggregateType, aggregateId],
  );
  return rows[0].version;
}

export async function advanceStream(
  tx: Queryable,
  aggregateType: string,
  aggregateId: string,
  version: number,
): Promise<void> {
  await tx.query(
    'UPDATE aggregate_versions SET version = $3 WHERE aggregate_type = $1 AND aggregate_id = $2',
    [aggregateType, aggregateId, version],
  );
}
