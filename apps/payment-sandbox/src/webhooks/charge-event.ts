import { Charge } from '../charges/charge';
import { FailureReason } from '../charges/test-amounts';

export type ChargeEventType = 'charge.succeeded' | 'charge.failed';

/** The webhook body a receiver verifies and parses; fields are only ever added. */
export interface ChargeEvent {
  id: string;
  type: ChargeEventType;
  data: {
    chargeId: string;
    reference: string;
    amountMinor: number;
    currency: string;
    failureReason?: FailureReason;
  };
  createdAt: string;
}

export function chargeEvent(eventId: string, charge: Charge, createdAt: Date): ChargeEvent {
  const failed = charge.status === 'failed';
  return {
    id: eventId,
    type: failed ? 'charge.failed' : 'charge.succeeded',
    data: {
      chargeId: charge.id,
      reference: charge.reference,
      amountMinor: charge.amountMinor,
      currency: charge.currency,
      ...(failed && charge.failureReason ? { failureReason: charge.failureReason } : {}),
    },
    createdAt: createdAt.toISOString(),
  };
}
