import { StoredMeter } from './meter-store';

/** The Meter fields this subgraph serves; `owner` is a reference identity resolves. */
export interface MeterModel {
  id: string;
  serialNumber: string;
  timezone: string;
  intervalMinutes: number;
  ownerId: string;
  createdAt: Date;
  consistencyToken: string | null;
}

export const toMeterModel = (meter: StoredMeter, consistencyToken: string | null = null): MeterModel => ({
  id: meter.id,
  serialNumber: meter.serialNumber,
  timezone: meter.timezone,
  intervalMinutes: meter.intervalMinutes,
  ownerId: meter.ownerId,
  createdAt: meter.createdAt,
  consistencyToken,
});
