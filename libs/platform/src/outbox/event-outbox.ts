import { EventEnvelope } from '@voltstream/contracts';
import { Queryable } from '../database/read-router';
import { newEnvelope } from './new-envelope';
import { appendToOutbox } from './outbox-writer';

/** An event as a decider returns it, before it gets an envelope. */
export interface DomainEvent {
  type: string;
  schemaVersion: number;
  payload: unknown;
}

/** The stream a decision wrote to, with its version after the decision's last event. */
export interface AggregateRef {
  type: string;
  id: string;
  version: number;
}

/** What one decision emits: its events, in order, on one aggregate's stream. */
export interface Decision {
  aggregate: AggregateRef;
  events: readonly DomainEvent[];
}

export interface EmitOptions {
  actorId: string | null;
  /** The event this decision reacted to, for an automatic one (an achievement, an estimate). */
  causationId?: string | null;
  /** The request that led to the decision (the caller's correlation id), for tracing. */
  correlationId?: string | null;
  occurredAt?: Date;
}

/**
 * The one way a command service writes events: into its outbox, inside the transaction that
 * changed its state, so that the relay publishes them after (and only after) the commit. The
 * events of a decision take consecutive versions ending at `aggregate.version`.
 */
export class EventOutbox {
  constructor(
    private readonly service: string,
    private readonly topic: string,
  ) {}

  async emit(
    tx: Queryable,
    decisions: Decision | readonly Decision[],
    options: EmitOptions,
  ): Promise<EventEnvelope[]> {
    const all: readonly Decision[] = Array.isArray(decisions) ? decisions : [decisions as Decision];
    const occurredAt = options.occurredAt ?? new Date();
    const envelopes = all.flatMap(({ aggregate, events }) =>
      events.map((event, index) =>
        newEnvelope({
          type: event.type,
          schemaVersion: event.schemaVersion,
          aggregateType: aggregate.type,
          aggregateId: aggregate.id,
          aggregateVersion: aggregate.version - (events.length - 1 - index),
          payload: event.payload,
          actorId: options.actorId,
          causationId: options.causationId ?? null,
          correlationId: options.correlationId ?? null,
          occurredAt,
        }),
      ),
    );
    await appendToOutbox(tx, this.service, this.topic, envelopes);
    return envelopes;
  }
}
