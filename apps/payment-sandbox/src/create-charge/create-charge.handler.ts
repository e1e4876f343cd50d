import { DataSource } from 'typeorm';
import { Charge, newId } from '../charges/charge';
import { chargeStore } from '../charges/charge-store';
import { settleDelayFor } from '../charges/test-amounts';
import { SettlementConfig } from '../config';
import { ApiError } from '../http/api-error';
import { CreateChargeInput, fingerprintOf } from './create-charge.input';

export interface CreateChargeResult {
  charge: Charge;
  /** True when the key had already created this charge: nothing new happened. */
  replayed: boolean;
}

/**
 * Stores a pending charge; settlement and its webhook follow asynchronously. The idempotency key
 * is unique in the table, so two concurrent requests with one key create one charge.
 */
export class CreateChargeHandler {
  constructor(
    private readonly db: DataSource,
    private readonly settlement: SettlementConfig,
    /** A new charge settles in `settleInMs`: the settlement worker is told instead of polling. */
    private readonly onCreated: (settleInMs: number) => void = () => undefined,
  ) {}

  async execute(idempotencyKey: string, input: CreateChargeInput): Promise<CreateChargeResult> {
    const requestFingerprint = fingerprintOf(input);
    const settleInMs = settleDelayFor(input.amountMinor, this.settlement);
    const created = await chargeStore.insert(
      this.db,
      { id: newId('ch'), idempotencyKey, requestFingerprint, ...input },
      settleInMs,
    );
    if (created) {
      this.onCreated(settleInMs);
      return { charge: created, replayed: false };
    }

    const existing = await chargeStore.byIdempotencyKey(this.db, idempotencyKey);
    if (!existing) throw new Error(`idempotency key conflicted but no charge holds it: ${idempotencyKey}`);
    if (existing.requestFingerprint !== requestFingerprint) {
      throw new ApiError(
        409,
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was already used with a different request body',
      );
    }
    return { charge: existing, replayed: true };
  }
}
