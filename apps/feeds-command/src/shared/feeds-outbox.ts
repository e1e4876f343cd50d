import { feedsAggregateOf, FeedsEvent } from '@voltstream/contracts';
import { Decision, Queryable } from '@voltstream/platform';

/**
 * The decision a feeds decider made, for the outbox (EventOutbox): its events, all of one stream
 * (feedsAggregateOf), taking consecutive versions ending at `lastVersion`.
 */
export function feedsDecision(lastVersion: number, events: readonly FeedsEvent[]): Decision {
  const streams = new Set(
    events.map((event) => {
      const { aggregateType, aggregateId } = feedsAggregateOf(event);
      return `${aggregateType}|${aggregateId}`;
    }),
  );
  if (streams.size !== 1) throw new Error(`one decision, one stream: got ${[...streams].join(', ')}`);
  const { aggregateType, aggregateId } = feedsAggregateOf(events[0]);
  return { aggregate: { type: aggregateType, id: aggregateId, version: lastVersion }, events };
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
