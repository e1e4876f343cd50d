export * from './energy-errors';
export * from './time-zone';
export * from './meter';
export * from './readings';
export * from './consumption';
