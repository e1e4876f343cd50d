import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { EnergyErrorCodes } from '../energy-errors';
import { qualityWindow, summarizeQuality } from './data-quality';
import { isComplete } from './quality-rollup';

const meter = { createdAt: new Date('2026-11-01T00:07:00Z'), intervalMinutes: 15 };
const now = new Date('2026-11-03T12:10:00Z');
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).fieldErrors?.[0]?.code;
  }
  return undefined;
};

describe('data quality window', () => {
  it('counts intervals starting in [from, to), from registration to the last ended interval', () => {
    const w = qualityWindow(
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-12-01T00:00:00Z'),
      meter,
      null,
      now,
    );
    assert.equal(w.lo.toISOString(), '2026-11-01T00:15:00.000Z');
    assert.equal(w.hi.toISOString(), '2026-11-03T12:00:00.000Z');
    assert.equal(w.intervals, 2 * 96 + 48 - 1);
  });

  it('starts at the first reading when history was loaded from before registration', () => {
    const first = new Date('2026-10-30T00:00:00Z');
    const w = qualityWindow(
      new Date('2026-10-01T00:00:00Z'),
      new Date('2026-10-31T00:00:00Z'),
      meter,
      first,
      now,
    );
    assert.equal(w.intervals, 96);
  });

  it('refuses to ≤ from and ranges over 366 days with stable codes', () => {
    const from = new Date('2026-11-01T00:00:00Z');
    assert.equal(
      codeOf(() => qualityWindow(from, from, meter, null, now)),
      EnergyErrorCodes.invalidRange,
    );
    assert.equal(
      codeOf(() => qualityWindow(from, new Date('2027-11-03T00:00:00Z'), meter, null, now)),
      EnergyErrorCodes.rangeTooLarge,
    );
  });

  it('gives shares of 0, not NaN, when there is no interval', () => {
    const from = new Date('2027-01-01T00:00:00Z');
    const w = qualityWindow(from, new Date('2027-01-02T00:00:00Z'), meter, null, now);
    const q = summarizeQuality(from, w.hi, w, {
      readings: 0,
      estimated: 0,
      frozen: 0,
      spikes: 0,
      flagged: 0,
    });
    assert.deepEqual([q.intervals, q.missing, q.missingShare], [0, 0, 0]);
  });

  it('missing is what is neither measured nor estimated', () => {
    const from = new Date('2026-11-02T00:00:00Z');
    const w = qualityWindow(from, new Date('2026-11-02T01:00:00Z'), meter, null, now);
    const q = summarizeQuality(from, w.hi, w, {
      readings: 2,
      estimated: 1,
      frozen: 0,
      spikes: 1,
      flagged: 1,
    });
    assert.deepEqual([q.missing, q.measuredShare, q.flaggedShare], [1, 0.5, 0.25]);
  });
});

describe('complete buckets', () => {
  const hour = { start: new Date('2026-11-02T10:00:00Z'), end: new Date('2026-11-02T11:00:00Z') };
  it('is complete once ended with every interval measured or estimated', () => {
    assert.equal(isComplete({ ...hour, readings: 3, estimated: 1 }, 15, now), true);
    assert.equal(isComplete({ ...hour, readings: 3, estimated: 0 }, 15, now), false);
    assert.equal(
      isComplete({ ...hour, readings: 4, estimated: 0 }, 15, new Date('2026-11-02T10:59:00Z')),
      false,
    );
  });
});
