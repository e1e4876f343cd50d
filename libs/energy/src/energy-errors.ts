/** Stable codes of the energy domain (API.md: domain codes such as ENERGY.READING_IN_FUTURE). */
export const EnergyErrorCodes = {
  invalidSerialNumber: 'ENERGY.INVALID_SERIAL_NUMBER',
  invalidTimeZone: 'ENERGY.INVALID_TIMEZONE',
  invalidInterval: 'ENERGY.INVALID_INTERVAL',
  serialNumberTaken: 'ENERGY.SERIAL_NUMBER_TAKEN',
  batchSize: 'ENERGY.BATCH_SIZE',
  readingNegative: 'ENERGY.READING_NEGATIVE',
  readingNotFinite: 'ENERGY.READING_NOT_FINITE',
  readingPrecision: 'ENERGY.READING_PRECISION',
  readingInFuture: 'ENERGY.READING_IN_FUTURE',
  readingTooOld: 'ENERGY.READING_TOO_OLD',
  readingNotAligned: 'ENERGY.READING_NOT_ALIGNED',
  readingConflict: 'ENERGY.READING_CONFLICT',
  rangeTooLarge: 'ENERGY.RANGE_TOO_LARGE',
  invalidRange: 'ENERGY.INVALID_RANGE',
} as const;
