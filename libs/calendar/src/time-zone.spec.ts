import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDate, localHour, localParts, nextStart, offsetMs, startOf } from './time-zone';

const HOUR = 3_600_000;
const iso = (date: Date) => date.toISOString();

describe('calendar arithmetic in a time zone', () => {
  it('gives a spring-forward day in London 23 hours', () => {
    const start = startOf('day', new Date('2026-03-29T12:00:00Z'), 'Europe/London');
    assert.equal(iso(start), '2026-03-29T00:00:00.000Z');
    assert.equal(nextStart('day', start, 'Europe/London').getTime() - start.getTime(), 23 * HOUR);
  });

  it('gives a fall-back day in London 25 hours', () => {
    const start = startOf('day', new Date('2026-10-25T12:00:00Z'), 'Europe/London');
    assert.equal(iso(start), '2026-10-24T23:00:00.000Z');
    assert.equal(nextStart('day', start, 'Europe/London').getTime() - start.getTime(), 25 * HOUR);
  });

  it('keeps the two 01:00 hours of a fall-back night apart', () => {
    const first = startOf('hour', new Date('2026-11-01T05:30:00Z'), 'America/New_York');
    const second = startOf('hour', new Date('2026-11-01T06:30:00Z'), 'America/New_York');
    assert.equal(iso(first), '2026-11-01T05:00:00.000Z');
    assert.equal(iso(second), '2026-11-01T06:00:00.000Z');
  });

  it('starts local hours on the half hour in India', () => {
    assert.equal(
      iso(startOf('hour', new Date('2026-06-01T10:10:00Z'), 'Asia/Kolkata')),
      '2026-06-01T09:30:00.000Z',
    );
    assert.equal(offsetMs(new Date('2026-06-01T10:10:00Z'), 'Asia/Kolkata'), 5.5 * HOUR);
  });

  it('finds local months and dates', () => {
    const month = startOf('month', new Date('2026-03-15T00:00:00Z'), 'Europe/Berlin');
    assert.equal(iso(month), '2026-02-28T23:00:00.000Z');
    assert.equal(iso(nextStart('month', month, 'Europe/Berlin')), '2026-03-31T22:00:00.000Z');
    assert.equal(localDate(new Date('2026-06-30T23:30:00Z'), 'Europe/Berlin'), '2026-07-01');
  });

  it('gives the local hour of an instant, the same twice across a fall-back night', () => {
    const newYork = (utc: string) => localHour(new Date(utc), 'America/New_York');
    assert.deepEqual(
      ['2026-11-01T04:00:00Z', '2026-11-01T05:00:00Z', '2026-11-01T06:00:00Z', '2026-11-01T07:00:00Z'].map(
        newYork,
      ),
      [0, 1, 1, 2],
    );
    assert.equal(localHour(new Date('2026-06-01T00:00:00Z'), 'Asia/Kolkata'), 5);
  });

  it('hands out copies of its memo: changing one answer changes no later one', () => {
    const at = new Date('2026-07-01T12:00:00Z');
    const first = localParts(at, 'Europe/Berlin');
    first.hour = 99;
    assert.equal(localParts(at, 'Europe/Berlin').hour, 14);
    assert.equal(localHour(at, 'Europe/Berlin'), 14);
  });
});
