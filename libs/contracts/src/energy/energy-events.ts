import { array, Check, Infer, int, isoInstant, nullable, object, str, uuid } from '../validation';

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

const readingV2 = object({
  at: isoInstant,
  wh: int({ min: 0 }),
  /**
   * Set when this measured reading replaces an estimate (VEE): the estimated Wh it replaces, so a
   * consumer moves exactly that much out of "estimated" and adds `wh - replacesEstimateWh` to its
   * totals. Null for a reading of an interval that had no estimate.
   */
  replacesEstimateWh: nullable(int({ min: 0 })),
});
const readingsRecordedV2Shape = {
  meterId: uuid,
  readings: array(readingV2, { min: 1, max: 1000 }),
};
/** Energy travels as integer watt-hours so that every sum downstream is exact. */
export type ReadingsRecordedV2 = Infer<typeof readingsRecordedV2Shape>;
/** v1 had no `replacesEstimateWh`: the same check reads it as null (the upcast). */
export const readingsRecorded: Check<ReadingsRecordedV2> = object(readingsRecordedV2Shape);

const estimatedIntervalV1 = object({ at: isoInstant, wh: int({ min: 0 }) });
const intervalsEstimatedV1Shape = {
  meterId: uuid,
  /**
   * Intervals (each ending at `at`, like a reading) that had no reading past the grace period,
   * with the Wh the write side estimated for them from the meter's own profile. Each interval is
   * estimated at most once; a later measured reading replaces it (ReadingsRecorded with
   * `replacesEstimateWh`).
   */
  intervals: array(estimatedIntervalV1, { min: 1, max: 1000 }),
};
export type IntervalsEstimatedV1 = Infer<typeof intervalsEstimatedV1Shape>;
export const intervalsEstimatedV1: Check<IntervalsEstimatedV1> = object(intervalsEstimatedV1Shape);

export const EnergyEventTypes = {
  MeterRegistered: 'energy.MeterRegistered',
  ReadingsRecorded: 'energy.ReadingsRecorded',
  IntervalsEstimated: 'energy.IntervalsEstimated',
} as const;

/** The newest schema version of each event type: what producers write. */
export const ENERGY_SCHEMA_VERSIONS = {
  [EnergyEventTypes.MeterRegistered]: 1,
  [EnergyEventTypes.ReadingsRecorded]: 2,
  [EnergyEventTypes.IntervalsEstimated]: 1,
} as const;

export type EnergyEvent =
  | { type: typeof EnergyEventTypes.MeterRegistered; schemaVersion: 1; payload: MeterRegisteredV1 }
  | { type: typeof EnergyEventTypes.ReadingsRecorded; schemaVersion: 2; payload: ReadingsRecordedV2 }
  | { type: typeof EnergyEventTypes.IntervalsEstimated; schemaVersion: 1; payload: IntervalsEstimatedV1 };

/**
 * Validates a payload by type and version. A later schemaVersion gets an upcaster here, so that
 * consumers only ever see the newest shape.
 */
export function parseEnergyEvent(type: string, schemaVersion: number, payload: unknown): EnergyEvent {
  if (type === EnergyEventTypes.MeterRegistered && schemaVersion === 1) {
    return { type, schemaVersion, payload: meterRegisteredV1(payload, 'payload') };
  }
  if (type === EnergyEventTypes.ReadingsRecorded && (schemaVersion === 1 || schemaVersion === 2)) {
    return { type, schemaVersion: 2, payload: readingsRecorded(payload, 'payload') };
  }
  if (type === EnergyEventTypes.IntervalsEstimated && schemaVersion === 1) {
    return { type, schemaVersion, payload: intervalsEstimatedV1(payload, 'payload') };
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

/** An event that changes a meter's energy: measured readings or estimated intervals. */
export type EnergyChangingEvent = Extract<
  EnergyEvent,
  { type: typeof EnergyEventTypes.ReadingsRecorded | typeof EnergyEventTypes.IntervalsEstimated }
>;

/** How one interval's energy changes: in total (`wh`) and in its estimated part (`estimatedWh`). */
export interface EnergyChange {
  at: string;
  wh: number;
  estimatedWh: number;
}

/**
 * The one rule every consumer that sums energy follows: an estimate adds its Wh, all of it
 * estimated; a measured reading that replaces an estimate adds only the difference and takes the
 * estimate out of the estimated part, so a total holds the measured value once.
 */
export function energyChanges(event: EnergyChangingEvent): EnergyChange[] {
  if (event.type === EnergyEventTypes.IntervalsEstimated) {
    return event.payload.intervals.map(({ at, wh }) => ({ at, wh, estimatedWh: wh }));
  }
  return event.payload.readings.map(({ at, wh, replacesEstimateWh }) => {
    const replaced = replacesEstimateWh ?? 0;
    // 0 - replaced, not -replaced: a reading that replaced nothing changes its estimate by 0, not -0.
    return { at, wh: wh - replaced, estimatedWh: 0 - replaced };
  });
}
