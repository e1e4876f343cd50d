import { isValidTimeZone } from '@voltstream/calendar';
import { DomainError, MeterRegisteredV1 } from '@voltstream/contracts';
import { EnergyErrorCodes } from './energy-errors';

export interface Meter {
  id: string;
  ownerId: string;
  serialNumber: string;
  timezone: string;
  intervalMinutes: number;
  /** Aggregate version: 1 after registration, +1 per accepted readings batch. */
  version: number;
}

export interface RegisterMeter {
  meterId: string;
  ownerId: string;
  serialNumber: string;
  timezone: string;
  intervalMinutes?: number;
  now: Date;
}

/** Interval lengths that divide an hour, so every interval falls inside one hourly bucket. */
export const ALLOWED_INTERVAL_MINUTES = [5, 10, 15, 30, 60] as const;
export const DEFAULT_INTERVAL_MINUTES = 15;
const SERIAL_NUMBER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function decideRegisterMeter(command: RegisterMeter): MeterRegisteredV1 {
  const serialNumber = command.serialNumber.trim();
  if (!SERIAL_NUMBER.test(serialNumber)) {
    throw DomainError.fromFieldErrors([
      {
        path: 'input.serialNumber',
        code: EnergyErrorCodes.invalidSerialNumber,
        message: '1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      },
    ]);
  }
  if (!isValidTimeZone(command.timezone)) {
    throw DomainError.fromFieldErrors([
      { path: 'input.timezone', code: EnergyErrorCodes.invalidTimeZone, message: 'not an IANA time zone' },
    ]);
  }
  const intervalMinutes = command.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
  if (!(ALLOWED_INTERVAL_MINUTES as readonly number[]).includes(intervalMinutes)) {
    throw DomainError.fromFieldErrors([
      {
        path: 'input.intervalMinutes',
        code: EnergyErrorCodes.invalidInterval,
        message: `one of ${ALLOWED_INTERVAL_MINUTES.join(', ')}`,
      },
    ]);
  }
  return {
    meterId: command.meterId,
    ownerId: command.ownerId,
    serialNumber,
    timezone: command.timezone,
    intervalMinutes,
    registeredAt: command.now.toISOString(),
  };
}

export function meterFromRegistration(event: MeterRegisteredV1): Meter {
  return {
    id: event.meterId,
    ownerId: event.ownerId,
    serialNumber: event.serialNumber,
    timezone: event.timezone,
    intervalMinutes: event.intervalMinutes,
    version: 1,
  };
}
