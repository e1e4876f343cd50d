export * from './validation';
export * from './topics';
export * from './envelope';
export * from './consistency-token';
export * from './errors';
export * from './energy/energy-events';
export * from './identity/identity-events';
export * from './billing/billing-events';
