import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeConsistencyToken, encodeConsistencyToken, issuedConsistencyToken } from './consistency-token';
import { DomainError } from './errors';
import { LiveChannels, parseEntityChangeMessage, parseReadingMessage } from './live-updates';
import { energyChanges, EnergyEventTypes, parseEnergyEvent, UnknownEventError } from './energy/energy-events';
import { parseEnvelope } from './envelope';
import { ContractViolation } from './validation';

const envelope = {
  id: '0b7f9c1e-2f4a-4d8e-9a6b-3c2d1e0f9a8b',
  type: 'energy.ReadingsRecorded',
  schemaVersion: 1,
  aggregateType: 'Meter',
  aggregateId: '7d1c2f4e-8a43-4c55-9d5b-0c6f6d7a1b2c',
  aggregateVersion: 2,
  occurredAt: '2026-06-01T12:00:00.000Z',
  correlationId: null,
  causationId: null,
  actorId: 'alice',
  payload: {
    meterId: '7d1c2f4e-8a43-4c55-9d5b-0c6f6d7a1b2c',
    readings: [{ at: '2026-06-01T11:45:00.000Z', wh: 120 }],
  },
};

describe('event envelope', () => {
  it('parses a valid envelope', () => {
    assert.deepEqual(parseEnvelope(JSON.stringify(envelope)), envelope);
  });

  it('names the field that breaks the contract', () => {
    assert.throws(
      () => parseEnvelope(JSON.stringify({ ...envelope, aggregateVersion: 0 })),
      (error: unknown) => {
        assert.ok(error instanceof ContractViolation);
        assert.equal(error.path, 'aggregateVersion');
        return true;
      },
    );
    assert.throws(() => parseEnvelope('{not json'), ContractViolation);
  });

  it('validates payloads by type and version, and refuses unknown versions', () => {
    const event = parseEnergyEvent(envelope.type, 1, envelope.payload);
    assert.equal(event.type, 'energy.ReadingsRecorded');
    assert.throws(
      () => parseEnergyEvent(envelope.type, 1, { meterId: 'x', readings: [] }),
      ContractViolation,
    );
    assert.throws(() => parseEnergyEvent(envelope.type, 9, envelope.payload), UnknownEventError);
  });
});

describe('consistency token', () => {
  it('round-trips and rejects what it did not issue', () => {
    const token = { aggregateType: 'Meter', aggregateId: envelope.aggregateId, version: 42 };
    assert.deepEqual(decodeConsistencyToken(encodeConsistencyToken(token)), token);
    assert.equal(decodeConsistencyToken('ct1.bm9wZQ'), null);
    assert.equal(decodeConsistencyToken('something else'), null);
  });
});

describe('a token given to a read', () => {
  it('is the write it names, nothing without one, and BAD_USER_INPUT at its path when never issued', () => {
    const token = { aggregateType: 'UserFollows', aggregateId: 'a1', version: 3 };
    assert.deepEqual(issuedConsistencyToken(encodeConsistencyToken(token)), token);
    assert.equal(issuedConsistencyToken(undefined), null);
    assert.equal(issuedConsistencyToken(''), null);
    assert.throws(
      () => issuedConsistencyToken('ct1.bm9wZQ', 'x-consistency-token'),
      (error: unknown) =>
        error instanceof DomainError &&
        error.code === 'BAD_USER_INPUT' &&
        error.fieldErrors[0]?.path === 'x-consistency-token',
    );
  });
});

describe('live update messages', () => {
  it('reads what the publishers write and nothing else', () => {
    const change = { id: envelope.aggregateId, consistencyToken: 'ct1.abc' };
    assert.deepEqual(parseEntityChangeMessage(JSON.stringify(change)), change);
    assert.deepEqual(parseReadingMessage('{"at":"2026-11-01T00:15:00.000Z","kwh":0.25}'), {
      at: '2026-11-01T00:15:00.000Z',
      kwh: 0.25,
    });
    for (const text of ['not json', 'null', '"text"', '{"id":1,"consistencyToken":"x"}', '{"id":"x"}']) {
      assert.equal(parseEntityChangeMessage(text), null, text);
    }
    assert.equal(parseReadingMessage('{"at":"2026-11-01T00:15:00.000Z","kwh":"0.25"}'), null);
    assert.equal(LiveChannels.feedUpdates('u1'), 'feeds:feed-updates:u1');
  });
});

describe('energy changes of an event', () => {
  const meterId = '7d1c2f4e-8a43-4c55-9d5b-0c6f6d7a1b2c';
  const at = '2026-06-01T11:45:00.000Z';

  it('counts an estimate in full, all of it estimated', () => {
    const event = parseEnergyEvent(EnergyEventTypes.IntervalsEstimated, 1, {
      meterId,
      intervals: [{ at, wh: 80 }],
    });
    assert.ok(event.type === EnergyEventTypes.IntervalsEstimated);
    assert.deepEqual(energyChanges(event), [{ at, wh: 80, estimatedWh: 80 }]);
  });

  it('adds only the difference of a reading that replaces an estimate and takes the estimate out', () => {
    const event = parseEnergyEvent(EnergyEventTypes.ReadingsRecorded, 2, {
      meterId,
      readings: [
        { at, wh: 120, replacesEstimateWh: 80 },
        { at: '2026-06-01T12:00:00.000Z', wh: 30, replacesEstimateWh: null },
      ],
    });
    assert.ok(event.type === EnergyEventTypes.ReadingsRecorded);
    assert.deepEqual(energyChanges(event), [
      { at, wh: 40, estimatedWh: -80 },
      { at: '2026-06-01T12:00:00.000Z', wh: 30, estimatedWh: 0 },
    ]);
  });
});
