import { array, Check, Infer, int, isoInstant, object, str, uuid } from '../validation';

export const ENERGY_AGGREGATE = 'Meter';

const meterRegisteredV1Shape = {
  meterId: uuid,
  ownerId: str({ min: 1, max: 100 }),
  serialNumber: str({ min: 1, max: 64 }),
  timezone: str({ min: 1, max: 64 }),
  intervalMinutes: int({ min: 1, max: 60 }),
  registeredAt: isoInstant,
};
export type MeterRegisteredV1 = Infer<typeof meterRegisteredV1Shape>;
export const meterRegisteredV1: Check<MeterRegisteredV1> = object(meterRegisteredV1Shape);

const readingV1 = object({ at: isoInstant, wh: int({ min: 0 }) });
const readingsRecordedV1Shape = {
  meterId: uuid,
  readings: array(readingV1, { min: 1, max: 1000 }),
};
/** Energy travels as integer watt-hours so that every sum downstream is exact. */
export type ReadingsRecordedV1 = Infer<typeof readingsRecordedV1Shape>;
export const readingsRecordedV1: Check<ReadingsRecordedV1> = object(readingsRecordedV1Shape);

export const EnergyEventTypes = {
  MeterRegistered: 'energy.MeterRegistered',
  ReadingsRecorded: 'energy.ReadingsRecorded',
} as const;

export type EnergyEvent =
  | { type: typeof EnergyEventTypes.MeterRegistered; schemaVersion: 1; payload: MeterRegisteredV1 }
  | { type: typeof EnergyEventTypes.ReadingsRecorded; schemaVersion: 1; payload: ReadingsRecordedV1 };

/**
 * Validates a payload by type and version. A later schemaVersion gets an upcaster here, so that
 * consumers only ever see the newest shape.
 */
export function parseEnergyEvent(type: string, schemaVersion: number, payload: unknown): EnergyEvent {
  if (type === EnergyEventTypes.MeterRegistered && schemaVersion === 1) {
    return { type, schemaVersion, payload: meterRegisteredV1(payload, 'payload') };
  }
  if (type === EnergyEventTypes.ReadingsRecorded && schemaVersion === 1) {
    return { type, schemaVersion, payload: readingsRecordedV1(payload, 'payload') };
  }
  throw new UnknownEventError(type, schemaVersion);
}

export class UnknownEventError extends Error {
  constructor(
    readonly type: string,
    readonly schemaVersion: number,
  ) {
    super(`unknown event ${type} v${schemaVersion}`);
    this.name = 'UnknownEventError';
  }
}

/**
 * What a reading's `at` means, for every consumer of energy.events alike: the reading covers the
 * interval that ends at `at`, so its energy belongs to the interval starting `intervalMinutes`
 * earlier (energy's rollups and billing's usage ledger bucket it there).
 */
export function readingIntervalStart(at: Date, intervalMinutes: number): Date {
  return new Date(at.getTime() - intervalMinutes * 60_000);
}
