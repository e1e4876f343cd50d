import { randomUUID } from 'node:crypto';
import { EventEnvelope } from '@voltstream/contracts';

export interface EnvelopeFields<TPayload> {
  type: string;
  schemaVersion: number;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  payload: TPayload;
  actorId?: string | null;
  correlationId?: string | null;
  causationId?: string | null;
  occurredAt?: Date;
}

export function newEnvelope<TPayload>(fields: EnvelopeFields<TPayload>): EventEnvelope<TPayload> {
  return {
    id: randomUUID(),
    type: fields.type,
    schemaVersion: fields.schemaVersion,
    aggregateType: fields.aggregateType,
    aggregateId: fields.aggregateId,
    aggregateVersion: fields.aggregateVersion,
    occurredAt: (fields.occurredAt ?? new Date()).toISOString(),
    correlationId: fields.correlationId ?? null,
    causationId: fields.causationId ?? null,
    actorId: fields.actorId ?? null,
    payload: fields.payload,
  };
}
