import { EventEnvelope, FeedsEvent, feedsAggregateOf, parseFeedsEvent } from '@voltstream/contracts';

export interface CheckedEvent {
  envelope: EventEnvelope;
  event: FeedsEvent;
}

/** Parses the payload and refuses an envelope filed under another aggregate than its event's. */
export function checkedEvent(envelope: EventEnvelope): CheckedEvent {
  const event = parseFeedsEvent(envelope.type, envelope.schemaVersion, envelope.payload);
  const expected = feedsAggregateOf(event);
  if (envelope.aggregateType !== expected.aggregateType || envelope.aggregateId !== expected.aggregateId) {
    throw new Error(
      `${event.type} must travel as ${expected.aggregateType} ${expected.aggregateId}, not ${envelope.aggregateType} ${envelope.aggregateId}`,
    );
  }
  return { envelope, event };
}
