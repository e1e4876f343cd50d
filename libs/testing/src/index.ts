export * from './settings';
export * from './graphql-client';
export * from './infra-control';
export * from './scratch-database';
export * from './eventually';
export * from './service-control';
