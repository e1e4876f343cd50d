import { ALLOWED_INTERVAL_MINUTES } from '../meter';
import { FlagThresholds } from './flags';

/** Thresholds are set per interval length: the "meter type". */
const INTERVAL_LENGTHS = ALLOWED_INTERVAL_MINUTES;

export type PerInterval = ReadonlyMap<number, number>;

/**
 * Defaults of the flag thresholds. N covers about 3 h for short intervals (36 × 5 min … 12 × 15 min):
 * a real load at Wh resolution almost never repeats that long, while a stuck register repeats for
 * ever. Longer intervals keep at least 6 readings (3 h at 30 min, 6 h at 60 min), because a steady
 * base load (a server, a heat pump on a thermostat hold) can give the same hourly Wh a few times.
 * k = 10 for all: a spike ten times the meter's own p99 is far outside its normal range (a wrong
 * multiplier or a register jump), and the p99 already absorbs its ordinary peaks.
 */
export const DEFAULT_FROZEN_INTERVALS = '5:36,10:18,15:12,30:8,60:6';
export const DEFAULT_SPIKE_FACTOR = '10';
export const DEFAULT_SPIKE_MIN_SAMPLE = 96;

/**
 * Reads `"5:36,10:18,15:12,30:8,60:6"` (every interval length named) or one bare number for all
 * lengths. Throws a message naming what is wrong.
 */
export function parsePerInterval(text: string, valid: (value: number) => boolean): PerInterval {
  const trimmed = text.trim();
  if (/^[^:,]+$/.test(trimmed)) {
    const value = Number(trimmed);
    if (!valid(value)) throw new Error(`"${trimmed}" is not an accepted value`);
    return new Map(INTERVAL_LENGTHS.map((minutes) => [minutes, value]));
  }
  const table = new Map<number, number>();
  for (const part of trimmed.split(',')) {
    const [minutesText, valueText, ...rest] = part.split(':').map((s) => s.trim());
    const minutes = Number(minutesText);
    const value = Number(valueText);
    if (rest.length > 0 || !(INTERVAL_LENGTHS as readonly number[]).includes(minutes))
      throw new Error(`"${part}" does not start with an interval length (${INTERVAL_LENGTHS.join(', ')})`);
    if (!valueText || !valid(value)) throw new Error(`"${part}" has no accepted value`);
    if (table.has(minutes)) throw new Error(`${minutes} minutes is given twice`);
    table.set(minutes, value);
  }
  const missing = INTERVAL_LENGTHS.filter((minutes) => !table.has(minutes));
  if (missing.length > 0) throw new Error(`no value for ${missing.join(', ')}-minute meters`);
  return table;
}

export interface VeeThresholds {
  frozenIntervals: PerInterval;
  spikeFactor: PerInterval;
  spikeMinSample: number;
}

export const isFrozenRunLength = (n: number) => Number.isInteger(n) && n >= 2 && n <= 10_000;
export const isSpikeFactor = (k: number) => Number.isFinite(k) && k > 1 && k <= 1000;

export const DEFAULT_VEE_THRESHOLDS: VeeThresholds = {
  frozenIntervals: parsePerInterval(DEFAULT_FROZEN_INTERVALS, isFrozenRunLength),
  spikeFactor: parsePerInterval(DEFAULT_SPIKE_FACTOR, isSpikeFactor),
  spikeMinSample: DEFAULT_SPIKE_MIN_SAMPLE,
};

/** The thresholds of one meter type (interval length); an unknown length gets the 15-minute ones. */
export function thresholdsFor(vee: VeeThresholds, intervalMinutes: number): FlagThresholds {
  return {
    frozenIntervals: vee.frozenIntervals.get(intervalMinutes) ?? vee.frozenIntervals.get(15)!,
    spikeFactor: vee.spikeFactor.get(intervalMinutes) ?? vee.spikeFactor.get(15)!,
    spikeMinSample: vee.spikeMinSample,
  };
}
