import {
  anyJson,
  Check,
  ContractViolation,
  int,
  isoInstant,
  nullable,
  object,
  str,
  uuid,
} from './validation';

/** The envelope every event travels in (ARCHITECTURE.md, "Events"). */
export interface EventEnvelope<TPayload = unknown, TType extends string = string> {
  id: string;
  type: TType;
  schemaVersion: number;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  correlationId: string | null;
  causationId: string | null;
  actorId: string | null;
  payload: TPayload;
}

const EVENT_TYPE = /^[a-z]+\.[A-Z][A-Za-z]+$/;

export const envelopeSchema: Check<EventEnvelope> = object({
  id: uuid,
  type: str({ pattern: EVENT_TYPE, max: 100 }),
  schemaVersion: int({ min: 1 }),
  aggregateType: str({ min: 1, max: 50 }),
  aggregateId: str({ min: 1, max: 100 }),
  aggregateVersion: int({ min: 1 }),
  occurredAt: isoInstant,
  correlationId: nullable(str({ max: 100 })),
  causationId: nullable(str({ max: 100 })),
  actorId: nullable(str({ max: 100 })),
  payload: anyJson,
});

/** Parses a message value; throws ContractViolation when it is not an envelope. */
export function parseEnvelope(raw: Buffer | string): EventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new ContractViolation('', 'is not JSON');
  }
  return envelopeSchema(json, '');
}
