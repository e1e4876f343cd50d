import {
  BILLING_ACCOUNT_AGGREGATE,
  BillingAccountOpenedV1,
  BillingEventTypes,
  DomainError,
  encodeConsistencyToken,
  ErrorCodes,
  notFound,
  TariffCreatedV1,
  UUID_PATTERN,
} from '@voltstream/contracts';
import { decideOpenBillingAccount } from '@voltstream/billing';
import { Caller, EventOutbox } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { isConstraintViolation } from '../shared/access';
import { billingStore } from '../shared/billing-store';

export interface OpenBillingAccountInput {
  tariffId: string;
  meterIds: string[];
  invoicePrefix?: string | null;
}

export interface OpenedAccount {
  account: BillingAccountOpenedV1;
  tariff: TariffCreatedV1;
  consistencyToken: string;
}

const HOUR_MS = 3_600_000;

/**
 * Opens an account for meters the caller owns. Billing learns meters from energy.events, so a
 * meter registered a moment ago may not be known yet: the handler waits a bounded time for it.
 */
export class OpenBillingAccountHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
    private readonly meterWaitMs = 5_000,
  ) {}

  async execute(caller: Caller, input: OpenBillingAccountInput): Promise<OpenedAccount> {
    const now = new Date();
    const account = decideOpenBillingAccount({
      type: 'OpenBillingAccount',
      accountId: randomUUID(),
      ownerId: caller.userId,
      tariffId: input.tariffId,
      meterIds: input.meterIds,
      invoicePrefix: input.invoicePrefix ?? undefined,
      now,
    });
    if (!UUID_PATTERN.test(input.tariffId)) throw notFound('tariff');
    const tariff = await billingStore.tariff(this.db, input.tariffId);
    if (!tariff) throw notFound('tariff');
    await this.requireOwnedMeters(caller, account.meterIds);
    // Usage counts from the hour the account opened in.
    const billedFrom = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO billing_accounts (id, owner_id, tariff_id, invoice_prefix, opened_at) VALUES ($1, $2, $3, $4, $5)`,
          [account.accountId, account.ownerId, account.tariffId, account.invoicePrefix, account.openedAt],
        );
        await tx.query(
          `INSERT INTO account_meters (meter_id, account_id, billed_from)
           SELECT unnest($1::uuid[]), $2, $3`,
          [account.meterIds, account.accountId, billedFrom],
        );
        await this.outbox.emit(
          tx,
          {
            aggregate: { type: BILLING_ACCOUNT_AGGREGATE, id: account.accountId, version: 1 },
            events: [{ type: BillingEventTypes.BillingAccountOpened, schemaVersion: 1, payload: account }],
          },
          { actorId: caller.userId, occurredAt: now },
        );
      });
    } catch (error) {
      if (isConstraintViolation(error, 'account_meters_pkey')) {
        throw new DomainError(ErrorCodes.conflict, 'a meter of this request is already on a billing account');
      }
      throw error;
    }
    return {
      account,
      tariff,
      consistencyToken: encodeConsistencyToken({
        aggregateType: BILLING_ACCOUNT_AGGREGATE,
        aggregateId: account.accountId,
        version: 1,
      }),
    };
  }

  /** Every meter must be the caller's; another customer's meter reads exactly like a missing one. */
  private async requireOwnedMeters(caller: Caller, meterIds: readonly string[]): Promise<void> {
    if (!meterIds.every((id) => UUID_PATTERN.test(id))) throw notFound('meter');
    const deadline = Date.now() + this.meterWaitMs;
    for (;;) {
      const rows = await this.db.query<{ meter_id: string; owner_id: string }[]>(
        'SELECT meter_id, owner_id FROM billing_meters WHERE meter_id = ANY($1)',
        [meterIds],
      );
      if (rows.some((row) => row.owner_id !== caller.userId)) throw notFound('meter');
      if (rows.length === meterIds.length) return;
      if (Date.now() >= deadline) throw notFound('meter');
      await sleep(100);
    }
  }
}
