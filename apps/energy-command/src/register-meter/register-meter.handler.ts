import { randomUUID } from 'node:crypto';
import {
  DomainError,
  ENERGY_AGGREGATE,
  encodeConsistencyToken,
  EnergyEventTypes,
  ErrorCodes,
  Topics,
} from '@voltstream/contracts';
import { decideRegisterMeter, meterFromRegistration } from '@voltstream/energy';
import { appendToOutbox, newEnvelope } from '@voltstream/platform';
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
    private readonly service: string,
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
      const envelope = newEnvelope({
        type: EnergyEventTypes.MeterRegistered,
        schemaVersion: 1,
        aggregateType: ENERGY_AGGREGATE,
        aggregateId: meter.id,
        aggregateVersion: 1,
        payload: event,
        actorId: command.callerId,
        correlationId: command.correlationId,
        occurredAt: now,
      });
      await appendToOutbox(tx, this.service, Topics.energy, [envelope]);
    });
    const consistencyToken = encodeConsistencyToken({
      aggregateType: ENERGY_AGGREGATE,
      aggregateId: meter.id,
      version: 1,
    });
    return { ...meter, consistencyToken };
  }
}
