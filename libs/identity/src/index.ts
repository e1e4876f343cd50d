export * from './identity-errors';
export * from './registration';
export * from './refresh-tokens';
