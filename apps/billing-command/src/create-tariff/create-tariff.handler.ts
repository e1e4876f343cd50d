import {
  BillingEventTypes,
  encodeConsistencyToken,
  TARIFF_AGGREGATE,
  TariffCreatedV1,
} from '@voltstream/contracts';
import { decideCreateTariff, TariffInput } from '@voltstream/billing';
import { Caller, EventOutbox, requireAdmin } from '@voltstream/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface CreatedTariff {
  tariff: TariffCreatedV1;
  consistencyToken: string;
}

export class CreateTariffHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(caller: Caller, input: TariffInput): Promise<CreatedTariff> {
    requireAdmin(caller);
    const tariff = decideCreateTariff({
      type: 'CreateTariff',
      tariffId: randomUUID(),
      input,
      now: new Date(),
    });
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO tariffs (id, name, currency, standing_charge_per_day_minor, rates, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          tariff.tariffId,
          tariff.name,
          tariff.currency,
          tariff.standingChargePerDayMinor,
          JSON.stringify(tariff.rates),
          caller.userId,
          tariff.createdAt,
        ],
      );
      await this.outbox.emit(
        tx,
        {
          aggregate: { type: TARIFF_AGGREGATE, id: tariff.tariffId, version: 1 },
          events: [{ type: BillingEventTypes.TariffCreated, schemaVersion: 1, payload: tariff }],
        },
        { actorId: caller.userId },
      );
    });
    return {
      tariff,
      consistencyToken: encodeConsistencyToken({
        aggregateType: TARIFF_AGGREGATE,
        aggregateId: tariff.tariffId,
        version: 1,
      }),
    };
  }
}
