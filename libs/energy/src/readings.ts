import { DomainError, FieldError } from '@voltstream/contracts';
import { EnergyErrorCodes } from './energy-errors';
import { Meter } from './meter';

export interface ReadingInput {
  at: Date;
  kwh: number;
}

/** A reading as the domain keeps it: integer watt-hours for the interval ending at `at`. */
export interface Reading {
  at: Date;
  wh: number;
}

/** A reading as recorded: `replacesEstimateWh` is the estimate it corrects, if it corrects one. */
export interface AcceptedReading extends Reading {
  replacesEstimateWh: number | null;
}

/** What the write side keeps per interval: the Wh, and whether it is an estimate (VEE). */
export interface StoredInterval {
  wh: number;
  estimated: boolean;
}

export interface ReadingPolicy {
  maxBatchSize: number;
  /** Readings dated later than now + this are rejected (meter clocks drift a little). */
  futureToleranceMs: number;
  /** Readings older than this are rejected: billing periods behind them are closed. */
  horizonMs: number;
}

export const DEFAULT_READING_POLICY: ReadingPolicy = {
  maxBatchSize: 1000,
  futureToleranceMs: 5 * 60_000,
  horizonMs: 400 * 24 * 3_600_000,
};

export interface RecordReadings {
  meter: Meter;
  readings: readonly ReadingInput[];
  now: Date;
}

export interface RecordReadingsDecision {
  /** New readings and corrections of estimates, sorted by time. Empty when all were duplicates. */
  accepted: AcceptedReading[];
  duplicates: number;
  /** How many accepted readings replace an estimate. */
  replacedEstimates: number;
}

/**
 * Decides a batch all or nothing. `stored` holds what the meter already has at the batch's
 * instants (epoch ms → value): for a measured value, the same value again is a duplicate and
 * another is a conflict; an estimate is replaced by any measured value, once — after that the
 * interval is measured like any other.
 */
export function decideRecordReadings(
  command: RecordReadings,
  stored: ReadonlyMap<number, StoredInterval>,
  policy: ReadingPolicy = DEFAULT_READING_POLICY,
): RecordReadingsDecision {
  const { readings, meter, now } = command;
  if (readings.length < 1 || readings.length > policy.maxBatchSize) {
    throw DomainError.fromFieldErrors([
      {
        path: 'readings',
        code: EnergyErrorCodes.batchSize,
        message: `send 1 to ${policy.maxBatchSize} readings per call, not ${readings.length}`,
      },
    ]);
  }
  const errors: FieldError[] = [];
  const inBatch = new Map<number, number>();
  const accepted: AcceptedReading[] = [];
  let duplicates = 0;
  readings.forEach((reading, index) => {
    const path = `readings[${index}]`;
    const problem = checkReading(reading, meter, now, policy);
    if (problem) {
      errors.push({ path: `${path}.${problem.field}`, code: problem.code, message: problem.message });
      return;
    }
    const atMs = reading.at.getTime();
    const wh = Math.round(reading.kwh * 1000);
    const storedValue = stored.get(atMs);
    const estimate = storedValue?.estimated ? storedValue.wh : null;
    const earlier = inBatch.get(atMs) ?? (estimate === null ? storedValue?.wh : undefined);
    if (earlier === undefined) {
      inBatch.set(atMs, wh);
      accepted.push({ at: reading.at, wh, replacesEstimateWh: estimate });
    } else if (earlier === wh) {
      duplicates += 1;
    } else {
      errors.push({
        path: `${path}.kwh`,
        code: EnergyErrorCodes.readingConflict,
        message: `${reading.at.toISOString()} already has ${earlier / 1000} kWh`,
      });
    }
  });
  if (errors.length > 0) throw DomainError.fromFieldErrors(errors);
  accepted.sort((a, b) => a.at.getTime() - b.at.getTime());
  const replacedEstimates = accepted.filter((r) => r.replacesEstimateWh !== null).length;
  return { accepted, duplicates, replacedEstimates };
}

interface ReadingProblem {
  field: 'at' | 'kwh';
  code: string;
  message: string;
}

function checkReading(
  reading: ReadingInput,
  meter: Meter,
  now: Date,
  policy: ReadingPolicy,
): ReadingProblem | null {
  const { kwh, at } = reading;
  if (!Number.isFinite(kwh))
    return { field: 'kwh', code: EnergyErrorCodes.readingNotFinite, message: 'must be a finite number' };
  if (kwh < 0)
    return { field: 'kwh', code: EnergyErrorCodes.readingNegative, message: 'must not be negative' };
  const wh = kwh * 1000;
  if (Math.abs(wh - Math.round(wh)) > 1e-6 || !Number.isSafeInteger(Math.round(wh))) {
    return {
      field: 'kwh',
      code: EnergyErrorCodes.readingPrecision,
      message: 'must be a whole number of Wh (0.001 kWh)',
    };
  }
  const atMs = at.getTime();
  if (Number.isNaN(atMs))
    return { field: 'at', code: EnergyErrorCodes.readingNotAligned, message: 'is not a valid instant' };
  if (atMs > now.getTime() + policy.futureToleranceMs) {
    return { field: 'at', code: EnergyErrorCodes.readingInFuture, message: 'is in the future' };
  }
  if (atMs < now.getTime() - policy.horizonMs) {
    return {
      field: 'at',
      code: EnergyErrorCodes.readingTooOld,
      message: 'is older than the accepted horizon',
    };
  }
  if (atMs % (meter.intervalMinutes * 60_000) !== 0) {
    return {
      field: 'at',
      code: EnergyErrorCodes.readingNotAligned,
      message: `must end a ${meter.intervalMinutes}-minute interval`,
    };
  }
  return null;
}
