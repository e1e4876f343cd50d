import { EventEnvelope } from '@voltstream/contracts';
import { Queryable } from '../database/read-router';

export interface ConsumedEvent {
  envelope: EventEnvelope;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A read model fed by events. `apply` runs inside the runner's transaction and must skip what
 * it has already applied (by aggregate version), so redelivery and replay leave the same state.
 */
export interface Projection<TResult = unknown> {
  readonly name: string;
  apply(events: readonly ConsumedEvent[], tx: Queryable): Promise<TResult>;
  /** Side effects that must not run before the commit: cache invalidation, pub/sub. */
  afterCommit?(result: TResult): Promise<void>;
}

/** DDL of the table where a projection keeps its position, in its own read database. */
export const PROJECTION_POSITIONS_DDL = `CREATE TABLE projection_positions (
  projection text NOT NULL,
  topic text NOT NULL,
  partition int NOT NULL,
  next_offset bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, topic, partition)
)`;
