import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTimeScalar } from './date-time.scalar';

describe('DateTime scalar output', () => {
  it('writes Dates and any instant text in canonical UTC, passing canonical text through', () => {
    const canonical = '2026-01-31T22:00:00.000Z';
    assert.equal(DateTimeScalar.serialize(new Date(canonical)), canonical);
    // Cached pages hold their instants as JSON text.
    assert.equal(DateTimeScalar.serialize(canonical), canonical);
    // Text in another form is still normalised, never passed on as it came.
    assert.equal(DateTimeScalar.serialize('2026-01-31T23:00:00+01:00'), canonical);
    assert.equal(DateTimeScalar.serialize('2026-01-31T22:00:00Z'), canonical);
  });
});
