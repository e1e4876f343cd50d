export * from './energy-errors';
// Re-exported so that apps importing the calendar helpers from energy keep compiling.
export * from '@voltstream/calendar';
export * from './meter';
export * from './readings';
export * from './consumption';
export * from './vee/estimation';
