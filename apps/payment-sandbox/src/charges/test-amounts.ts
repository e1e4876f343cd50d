import { SettlementConfig } from '../config';

export type FailureReason = 'card_declined' | 'insufficient_funds';

export type Outcome = { status: 'succeeded' } | { status: 'failed'; failureReason: FailureReason };

/**
 * What the sandbox does with an amount, like a card processor's test cards: the last two digits
 * of `amountMinor` choose the outcome and how long settlement takes.
 */
export function outcomeFor(amountMinor: number): Outcome {
  switch (amountMinor % 100) {
    case 2:
      return { status: 'failed', failureReason: 'card_declined' };
    case 5:
      return { status: 'failed', failureReason: 'insufficient_funds' };
    default:
      return { status: 'succeeded' };
  }
}

export function settleDelayFor(amountMinor: number, settlement: SettlementConfig): number {
  return amountMinor % 100 === 9 ? settlement.slowSettleDelayMs : settlement.settleDelayMs;
}
