import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { EnergyErrorCodes } from './energy-errors';
import { decideRegisterMeter, RegisterMeter } from './meter';

const command: RegisterMeter = {
  meterId: '7d1c2f4e-8a43-4c55-9d5b-0c6f6d7a1b2c',
  ownerId: 'alice',
  serialNumber: ' SN-001 ',
  timezone: 'Europe/London',
  now: new Date('2026-06-01T12:00:00Z'),
};

const codeOf = (change: Partial<RegisterMeter>): string => {
  try {
    decideRegisterMeter({ ...command, ...change });
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error.code;
  }
  return 'accepted';
};

describe('decideRegisterMeter', () => {
  it('registers a meter with a trimmed serial number and the default 15-minute interval', () => {
    assert.deepEqual(decideRegisterMeter(command), {
      meterId: command.meterId,
      ownerId: 'alice',
      serialNumber: 'SN-001',
      timezone: 'Europe/London',
      intervalMinutes: 15,
      registeredAt: '2026-06-01T12:00:00.000Z',
    });
  });

  it('rejects a time zone that is not IANA', () => {
    assert.equal(codeOf({ timezone: 'Mars/Olympus' }), EnergyErrorCodes.invalidTimeZone);
    assert.equal(codeOf({ timezone: 'GMT+5; DROP TABLE' }), EnergyErrorCodes.invalidTimeZone);
  });

  it('rejects an empty or over-long serial number', () => {
    assert.equal(codeOf({ serialNumber: '  ' }), EnergyErrorCodes.invalidSerialNumber);
    assert.equal(codeOf({ serialNumber: 'x'.repeat(65) }), EnergyErrorCodes.invalidSerialNumber);
  });

  it('accepts only intervals that divide an hour', () => {
    assert.equal(codeOf({ intervalMinutes: 30 }), 'accepted');
    assert.equal(codeOf({ intervalMinutes: 7 }), EnergyErrorCodes.invalidInterval);
  });
});
