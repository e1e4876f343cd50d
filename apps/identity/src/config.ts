import {
  EnvReader,
  KafkaConfig,
  PostgresConfig,
  readKafkaConfig,
  readPostgresConfig,
  readServiceConfig,
  readTokenAudience,
  ServiceConfig,
} from '@voltstream/platform';
import { DEFAULT_LOGIN_LIMITS, LoginLimits } from './login/login-throttle';

export interface IdentityConfig {
  service: ServiceConfig;
  postgres: PostgresConfig;
  kafka: KafkaConfig;
  topicPartitions: number;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  loginLimits: LoginLimits;
  /** Which hops may set X-Forwarded-For: the gateway, which forwards the client's address. */
  trustProxy: string | false;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): IdentityConfig {
  const reader = new EnvReader(env);
  const config = {
    service: readServiceConfig(reader, 'identity', 4001),
    postgres: readPostgresConfig(reader, 'identity', false),
    kafka: readKafkaConfig(reader, 'identity'),
    topicPartitions: reader.int('IDENTITY_TOPIC_PARTITIONS', 6, { min: 1, max: 1000 }),
    ...readTokenAudience(reader),
    accessTokenTtlSeconds: reader.int('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 60, max: 86_400 }),
    refreshTokenTtlSeconds: reader.int('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 3600 }),
    // The same settings the gateway's throttle reads, so one value sets both.
    loginLimits: {
      perAccount: reader.int('LOGIN_ATTEMPTS_PER_ACCOUNT', DEFAULT_LOGIN_LIMITS.perAccount, { min: 1 }),
      perAddress: reader.int('LOGIN_ATTEMPTS_PER_IP', DEFAULT_LOGIN_LIMITS.perAddress, { min: 1 }),
      windowSeconds: reader.int('LOGIN_THROTTLE_WINDOW_SECONDS', DEFAULT_LOGIN_LIMITS.windowSeconds, {
        min: 1,
      }),
    },
    // Identity is reached through the gateway on a private network: trust it to name the client.
    // A deployment sets the gateway's addresses or subnet (docs/design.md); `false` trusts none.
    trustProxy: trustProxySetting(reader.string('TRUST_PROXY', 'loopback')),
  };
  reader.done();
  return config;
}

const trustProxySetting = (value: string): string | false => (value === 'false' ? false : value);
