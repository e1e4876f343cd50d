import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { consumptionRange, monthlyFromDaily, rollupDeltas } from './consumption';
import { EnergyErrorCodes } from './energy-errors';
import { Reading } from './readings';

const meter = { intervalMinutes: 15, timezone: 'Europe/London' };

/** Readings every 15 minutes from `fromIso` for `count` intervals, with varying energy. */
function readings(fromIso: string, count: number): Reading[] {
  const first = new Date(fromIso).getTime();
  return Array.from({ length: count }, (_, i) => ({
    at: new Date(first + (i + 1) * 900_000),
    wh: (i * 37) % 500,
  }));
}

const sum = (values: Iterable<{ wh: number }>) => [...values].reduce((total, b) => total + b.wh, 0);

describe('rollups', () => {
  it('puts a reading in the bucket where its interval starts', () => {
    // Ending 11:00Z, it covers 10:45–11:00Z: the 10:00Z hour (11:00 local), not the 11:00Z one.
    const { hourly } = rollupDeltas([{ at: new Date('2026-06-01T11:00:00Z'), wh: 5 }], meter);
    assert.deepEqual(
      [...hourly.values()].map((b) => b.start.toISOString()),
      ['2026-06-01T10:00:00.000Z'],
    );
  });

  it('keeps hourly, daily and raw totals equal to the watt-hour across a fall-back day', () => {
    const raw = readings('2026-10-24T00:00:00Z', 4 * 24 * 3);
    const { hourly, daily } = rollupDeltas(raw, meter);
    assert.equal(sum(hourly.values()), sum(raw));
    assert.equal(sum(daily.values()), sum(raw));
    const fallBack = daily.get('2026-10-25')!;
    assert.equal(fallBack.readings, 25 * 4);
    assert.equal(fallBack.end.getTime() - fallBack.start.getTime(), 25 * 3_600_000);
  });

  it('gives a spring-forward day 92 intervals', () => {
    const { daily } = rollupDeltas(readings('2026-03-28T00:00:00Z', 4 * 24 * 3), meter);
    assert.equal(daily.get('2026-03-29')!.readings, 23 * 4);
  });

  it('sums days into local months', () => {
    const { daily } = rollupDeltas(readings('2026-01-25T00:00:00Z', 4 * 24 * 14), meter);
    const months = monthlyFromDaily([...daily.values()], meter.timezone);
    assert.deepEqual(
      months.map((m) => m.start.toISOString()),
      ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
    );
    assert.equal(sum(months), sum(daily.values()));
    assert.equal(months[0].readings + months[1].readings, 4 * 24 * 14);
  });
});

describe('consumptionRange', () => {
  it('moves `from` back to the start of its bucket in the meter time zone', () => {
    const range = consumptionRange(
      new Date('2026-06-10T12:34:00Z'),
      new Date('2026-06-20T00:00:00Z'),
      'DAY',
      'Europe/London',
    );
    assert.equal(range.from.toISOString(), '2026-06-09T23:00:00.000Z');
  });

  it('refuses INTERVAL ranges longer than 31 days and reversed ranges', () => {
    const code = (from: string, to: string) => {
      try {
        consumptionRange(new Date(from), new Date(to), 'INTERVAL', 'UTC');
        return 'ok';
      } catch (error) {
        assert.ok(error instanceof DomainError);
        return error.code;
      }
    };
    assert.equal(code('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z'), EnergyErrorCodes.rangeTooLarge);
    assert.equal(code('2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z'), EnergyErrorCodes.invalidRange);
    assert.equal(code('2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z'), 'ok');
  });
});
