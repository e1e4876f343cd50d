import { BillingEvent, Topics } from '@voltstream/contracts';
import { appendToOutbox, newEnvelope, Queryable } from '@voltstream/platform';

export interface AggregateRef {
  type: string;
  id: string;
  version: number;
}

/** Writes billing events into this transaction's outbox; the relay publishes them after commit. */
export class BillingOutbox {
  constructor(private readonly service: string) {}

  async emit(
    tx: Queryable,
    aggregate: AggregateRef,
    events: readonly BillingEvent[],
    actorId: string | null,
    occurredAt = new Date(),
  ): Promise<void> {
    await this.emitEach(tx, [{ aggregate, events }], actorId, occurredAt);
  }

  /** The events of several aggregates (e.g. the invoices of a billing run's batch), in one write. */
  async emitEach(
    tx: Queryable,
    decisions: readonly { aggregate: AggregateRef; events: readonly BillingEvent[] }[],
    actorId: string | null,
    occurredAt = new Date(),
  ): Promise<void> {
    const envelopes = decisions.flatMap(({ aggregate, events }) =>
      events.map((event, index) =>
        newEnvelope({
          type: event.type,
          schemaVersion: event.schemaVersion,
          aggregateType: aggregate.type,
          aggregateId: aggregate.id,
          // Several events of one decision take consecutive versions, ending at aggregate.version.
          aggregateVersion: aggregate.version - (events.length - 1 - index),
          payload: event.payload,
          actorId: actorId ?? undefined,
          occurredAt,
        }),
      ),
    );
    await appendToOutbox(tx, this.service, Topics.billing, envelopes);
  }
}
