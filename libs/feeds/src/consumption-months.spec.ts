import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completedMonths, monthEnd, monthIn, usageByMonth } from './consumption-months';

describe('monthly consumption of a customer', () => {
  it('puts a reading in the local month its interval starts in', () => {
    const months = usageByMonth(
      [
        // Ends at local midnight of 1 March in Berlin (UTC+1): the last quarter hour of February.
        { at: '2026-02-28T23:00:00Z', wh: 100 },
        { at: '2026-02-28T23:15:00Z', wh: 7 },
        { at: '2026-02-10T12:00:00Z', wh: 50 },
      ],
      15,
      'Europe/Berlin',
    );
    assert.deepEqual(
      [...months],
      [
        ['2026-02', 150],
        ['2026-03', 7],
      ],
    );
  });

  it('ends a month at local midnight, daylight saving included', () => {
    assert.equal(monthIn(new Date('2026-03-31T22:30:00Z'), 'Europe/Berlin'), '2026-04');
    assert.deepEqual(monthEnd('2026-03', 'Europe/Berlin'), new Date('2026-03-31T22:00:00Z'));
    assert.deepEqual(monthEnd('2026-12', 'UTC'), new Date('2027-01-01T00:00:00Z'));
  });

  it('sums all meters and counts a month complete once every meter that used energy in it read later', () => {
    const usage = [
      { meterId: 'a', month: '2026-01', wh: 1000 },
      { meterId: 'b', month: '2026-01', wh: 500 },
      { meterId: 'a', month: '2026-02', wh: 900 },
      { meterId: 'b', month: '2026-02', wh: 400 },
      { meterId: 'a', month: '2026-03', wh: 10 },
    ];
    const meters = [
      { meterId: 'a', timeZone: 'UTC', latestMonth: '2026-03' },
      { meterId: 'b', timeZone: 'America/New_York', latestMonth: '2026-02' },
    ];
    // b has not read in March yet: February stays open, however much less it shows so far.
    assert.deepEqual(completedMonths(meters, usage), [
      { month: '2026-01', wh: 1500, closedAt: new Date('2026-02-01T05:00:00Z') },
    ]);
    meters[1].latestMonth = '2026-03';
    assert.deepEqual(
      completedMonths(meters, usage).map((m) => [m.month, m.wh]),
      [
        ['2026-01', 1500],
        ['2026-02', 1300],
      ],
    );
  });

  it('ignores usage of a meter the customer does not own', () => {
    const meters = [{ meterId: 'a', timeZone: 'UTC', latestMonth: '2026-02' }];
    const usage = [
      { meterId: 'a', month: '2026-01', wh: 10 },
      { meterId: 'x', month: '2026-01', wh: 99 },
    ];
    assert.deepEqual(completedMonths(meters, usage), [
      { month: '2026-01', wh: 10, closedAt: new Date('2026-02-01T00:00:00Z') },
    ]);
  });
});
