import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { EnergyErrorCodes } from './energy-errors';
import { Meter } from './meter';
import { decideRecordReadings, ReadingInput, StoredInterval } from './readings';

const meter: Meter = {
  id: 'm-1',
  ownerId: 'alice',
  serialNumber: 'SN',
  timezone: 'Europe/London',
  intervalMinutes: 15,
  version: 1,
};
const now = new Date('2026-06-01T12:00:00Z');
const at = (iso: string) => new Date(iso);
const none = new Map<number, StoredInterval>();
const measured = (wh: number): StoredInterval => ({ wh, estimated: false });
const estimated = (wh: number): StoredInterval => ({ wh, estimated: true });

function rejection(readings: ReadingInput[], stored = none): DomainError {
  try {
    decideRecordReadings({ meter, readings, now }, stored);
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error;
  }
  assert.fail('the batch was accepted');
}

describe('decideRecordReadings', () => {
  it('accepts a batch and converts kWh to whole watt-hours, sorted by time', () => {
    const decision = decideRecordReadings(
      {
        meter,
        now,
        readings: [
          { at: at('2026-06-01T10:30:00Z'), kwh: 0.25 },
          { at: at('2026-06-01T10:15:00Z'), kwh: 1.234 },
        ],
      },
      none,
    );
    assert.deepEqual(decision, {
      accepted: [
        { at: at('2026-06-01T10:15:00Z'), wh: 1234, replacesEstimateWh: null },
        { at: at('2026-06-01T10:30:00Z'), wh: 250, replacesEstimateWh: null },
      ],
      duplicates: 0,
      replacedEstimates: 0,
    });
  });

  it('counts a reading stored with the same value as a duplicate and accepts nothing for it', () => {
    const stored = new Map([[at('2026-06-01T10:15:00Z').getTime(), measured(500)]]);
    const decision = decideRecordReadings(
      { meter, now, readings: [{ at: at('2026-06-01T10:15:00Z'), kwh: 0.5 }] },
      stored,
    );
    assert.deepEqual(decision, { accepted: [], duplicates: 1, replacedEstimates: 0 });
  });

  it('accepts a measured reading for an estimated interval as a correction carrying the estimate', () => {
    const stored = new Map([
      [at('2026-06-01T10:15:00Z').getTime(), estimated(500)],
      [at('2026-06-01T10:30:00Z').getTime(), measured(300)],
    ]);
    const decision = decideRecordReadings(
      {
        meter,
        now,
        readings: [
          { at: at('2026-06-01T10:30:00Z'), kwh: 0.3 },
          { at: at('2026-06-01T10:15:00Z'), kwh: 0.42 },
          { at: at('2026-06-01T10:45:00Z'), kwh: 0.1 },
        ],
      },
      stored,
    );
    assert.deepEqual(decision, {
      accepted: [
        { at: at('2026-06-01T10:15:00Z'), wh: 420, replacesEstimateWh: 500 },
        { at: at('2026-06-01T10:45:00Z'), wh: 100, replacesEstimateWh: null },
      ],
      duplicates: 1,
      replacedEstimates: 1,
    });
  });

  it('accepts a correction equal to the estimate too: the interval becomes measured', () => {
    const stored = new Map([[at('2026-06-01T10:15:00Z').getTime(), estimated(500)]]);
    const decision = decideRecordReadings(
      { meter, now, readings: [{ at: at('2026-06-01T10:15:00Z'), kwh: 0.5 }] },
      stored,
    );
    assert.deepEqual(decision.accepted, [
      { at: at('2026-06-01T10:15:00Z'), wh: 500, replacesEstimateWh: 500 },
    ]);
    assert.equal(decision.duplicates, 0);
  });

  it('replaces an estimate once per batch: a repeat is a duplicate, another value a conflict', () => {
    const stored = new Map([[at('2026-06-01T10:15:00Z').getTime(), estimated(500)]]);
    const twice = decideRecordReadings(
      {
        meter,
        now,
        readings: [
          { at: at('2026-06-01T10:15:00Z'), kwh: 0.4 },
          { at: at('2026-06-01T10:15:00Z'), kwh: 0.4 },
        ],
      },
      stored,
    );
    assert.equal(twice.accepted.length, 1);
    assert.equal(twice.duplicates, 1);
    assert.equal(twice.replacedEstimates, 1);
    const error = rejection(
      [
        { at: at('2026-06-01T10:15:00Z'), kwh: 0.4 },
        { at: at('2026-06-01T10:15:00Z'), kwh: 0.6 },
      ],
      stored,
    );
    assert.equal(error.code, EnergyErrorCodes.readingConflict);
  });

  it('rejects a reading stored with another value as a conflict', () => {
    const stored = new Map([[at('2026-06-01T10:15:00Z').getTime(), measured(500)]]);
    const error = rejection([{ at: at('2026-06-01T10:15:00Z'), kwh: 0.6 }], stored);
    assert.equal(error.code, EnergyErrorCodes.readingConflict);
  });

  it('treats a repeat inside one batch as a duplicate, and a different value there as a conflict', () => {
    const same = decideRecordReadings(
      {
        meter,
        now,
        readings: [
          { at: at('2026-06-01T10:15:00Z'), kwh: 0.5 },
          { at: at('2026-06-01T10:15:00Z'), kwh: 0.5 },
        ],
      },
      none,
    );
    assert.equal(same.accepted.length, 1);
    assert.equal(same.duplicates, 1);
    const error = rejection([
      { at: at('2026-06-01T10:15:00Z'), kwh: 0.5 },
      { at: at('2026-06-01T10:15:00Z'), kwh: 0.7 },
    ]);
    assert.equal(error.fieldErrors[0]?.path, 'readings[1].kwh');
  });

  it('rejects a negative reading', () => {
    assert.equal(
      rejection([{ at: at('2026-06-01T10:15:00Z'), kwh: -0.001 }]).code,
      EnergyErrorCodes.readingNegative,
    );
  });

  it('rejects NaN and Infinity', () => {
    assert.equal(
      rejection([{ at: at('2026-06-01T10:15:00Z'), kwh: Number.NaN }]).code,
      EnergyErrorCodes.readingNotFinite,
    );
    assert.equal(
      rejection([{ at: at('2026-06-01T10:15:00Z'), kwh: Infinity }]).code,
      EnergyErrorCodes.readingNotFinite,
    );
  });

  it('rejects energy finer than a watt-hour', () => {
    assert.equal(
      rejection([{ at: at('2026-06-01T10:15:00Z'), kwh: 0.0005 }]).code,
      EnergyErrorCodes.readingPrecision,
    );
  });

  it('rejects a reading dated more than five minutes in the future, and accepts one within', () => {
    assert.equal(
      rejection([{ at: at('2026-06-01T12:15:00Z'), kwh: 1 }]).code,
      EnergyErrorCodes.readingInFuture,
    );
    const withinTolerance = new Date('2026-06-01T11:56:00Z');
    const decision = decideRecordReadings(
      { meter, now: withinTolerance, readings: [{ at: now, kwh: 1 }] },
      none,
    );
    assert.equal(decision.accepted.length, 1);
  });

  it('rejects a reading older than the horizon', () => {
    assert.equal(
      rejection([{ at: at('2024-01-01T00:00:00Z'), kwh: 1 }]).code,
      EnergyErrorCodes.readingTooOld,
    );
  });

  it('rejects a reading that does not end one of the meter intervals', () => {
    assert.equal(
      rejection([{ at: at('2026-06-01T10:07:00Z'), kwh: 1 }]).code,
      EnergyErrorCodes.readingNotAligned,
    );
  });

  it('rejects an empty batch and one of 1001 readings', () => {
    assert.equal(rejection([]).code, EnergyErrorCodes.batchSize);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({
      at: new Date(now.getTime() - (i + 1) * 900_000),
      kwh: 0.1,
    }));
    assert.equal(rejection(tooMany).code, EnergyErrorCodes.batchSize);
  });

  it('rejects the whole batch when one reading is bad, listing every problem', () => {
    const error = rejection([
      { at: at('2026-06-01T10:15:00Z'), kwh: 1 },
      { at: at('2026-06-01T10:30:00Z'), kwh: -1 },
      { at: at('2026-06-01T13:00:00Z'), kwh: 1 },
    ]);
    assert.deepEqual(
      error.fieldErrors.map((e) => [e.path, e.code]),
      [
        ['readings[1].kwh', EnergyErrorCodes.readingNegative],
        ['readings[2].at', EnergyErrorCodes.readingInFuture],
      ],
    );
  });
});
