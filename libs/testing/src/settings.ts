/**
 * Where the running test stack is. `npm test` starts it and passes these variables; a test run
 * by hand against `npm start`'s stack can set them the same way.
 */
export interface TestSettings {
  gatewayUrl: string;
  databaseUrl: string;
  replicaUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  serviceBaseUrl(service: string): string;
}

export function testSettings(env: NodeJS.ProcessEnv = process.env): TestSettings {
  const need = (name: string): string => {
    const value = env[name];
    if (!value)
      throw new Error(`${name} is not set: run the tests with \`npm test\`, which starts the stack`);
    return value;
  };
  return {
    gatewayUrl: need('GATEWAY_URL'),
    databaseUrl: need('DATABASE_URL'),
    replicaUrl: need('READ_REPLICA_URLS').split(',')[0],
    redisUrl: need('REDIS_URL'),
    kafkaBrokers: need('KAFKA_BROKERS').split(','),
    serviceBaseUrl: (service) => need(`${service.toUpperCase().replace(/-/g, '_')}_BASE_URL`),
  };
}

/** A server URL with a database name. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
