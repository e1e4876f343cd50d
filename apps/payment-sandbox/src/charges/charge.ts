import { randomBytes } from 'node:crypto';
import { FailureReason } from './test-amounts';

export type ChargeStatus = 'pending' | 'succeeded' | 'failed';

export interface Charge {
  id: string;
  idempotencyKey: string;
  /** Hash of the request body the charge was created from; a reused key must match it. */
  requestFingerprint: string;
  amountMinor: number;
  currency: string;
  reference: string;
  description: string | null;
  webhookUrl: string;
  status: ChargeStatus;
  failureReason: FailureReason | null;
  createdAt: Date;
  settledAt: Date | null;
}

/** What the API shows of a charge. */
export interface ChargeDto {
  id: string;
  status: ChargeStatus;
  amountMinor: number;
  currency: string;
  reference: string;
  description: string | null;
  failureReason: FailureReason | null;
  createdAt: string;
  settledAt: string | null;
}

export const toChargeDto = (charge: Charge): ChargeDto => ({
  id: charge.id,
  status: charge.status,
  amountMinor: charge.amountMinor,
  currency: charge.currency,
  reference: charge.reference,
  description: charge.description,
  failureReason: charge.failureReason,
  createdAt: charge.createdAt.toISOString(),
  settledAt: charge.settledAt?.toISOString() ?? null,
});

/** Opaque, prefixed ids like a card processor's (`ch_…`, `evt_…`). */
export const newId = (prefix: 'ch' | 'evt'): string => `${prefix}_${randomBytes(12).toString('hex')}`;
