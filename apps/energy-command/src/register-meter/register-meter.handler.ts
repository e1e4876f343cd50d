import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ENERGY_AGGREGATE,
  encodeConsistencyToken,
  EnergyEventTypes,
  ErrorCodes,
} from '@voltstream/contracts';
import { decideRegisterMeter, meterFromRegistration } from '@voltstream/energy';
import { EventOutbox } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { meterStore, StoredMeter } from '../meters/meter-store';

export interface RegisterMeterCommand {
  callerId: string;
  serialNumber: string;
  timezone: string;
  intervalMinutes?: number;
  correlationId?: string;
}

export interface RegisteredMeter extends StoredMeter {
  consistencyToken: string;
}

export class RegisterMeterHandler {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: EventOutbox,
  ) {}

  async execute(command: RegisterMeterCommand): Promise<RegisteredMeter> {
    const now = new Date();
    const event = decideRegisterMeter({
      meterId: randomUUID(),
      ownerId: command.callerId,
      serialNumber: command.serialNumber,
      timezone: command.timezone,
      intervalMinutes: command.intervalMinutes,
      now,
    });
    const meter: StoredMeter = { ...meterFromRegistration(event), createdAt: now };
    await this.db.transaction(async (tx) => {
      if (!(await meterStore.insert(tx, meter))) {
        throw new DomainError(
          ErrorCodes.conflict,
          `a meter with serial number ${meter.serialNumber} is already registered`,
        );
      }
      await this.outbox.emit(
        tx,
        {
          aggregate: { type: ENERGY_AGGREGATE, id: meter.id, version: 1 },
          events: [{ type: EnergyEventTypes.MeterRegistered, schemaVersion: 1, payload: event }],
        },
        { actorId: command.callerId, correlationId: command.correlationId, occurredAt: now },
      );
    });
    const consistencyToken = encodeConsistencyToken({
      aggregateType: ENERGY_AGGREGATE,
      aggregateId: meter.id,
      version: 1,
    });
    return { ...meter, consistencyToken };
  }
}
