export * from './energy-errors';
// Re-exported so that apps importing the calendar helpers from energy keep compiling.
export * from '@voltstream/calendar';
export * from './meter';
export * from './readings';
export * from './consumption';
export * from './vee/estimation';
export * from './vee/flags';
export * from './vee/thresholds';
export * from './vee/quality-rollup';
export * from './vee/data-quality';
