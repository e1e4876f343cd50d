import { Topics } from '@voltstream/contracts';
import {
  AccessTokenVerifier,
  Authenticator,
  EventOutbox,
  JsonLogger,
  Readiness,
  ServiceMetrics,
  Stoppable,
  WriteSide,
} from '@voltstream/platform';
import { createPublicKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IdentityConfig } from './config';
import { LoginHandler } from './login/login.handler';
import { LoginThrottle } from './login/login-throttle';
import { LogoutHandler } from './logout/logout.handler';
import { Accounts1732500000000 } from './migrations/1732500000000-accounts';
import { LoginAttempts1764700000000 } from './migrations/1764700000000-login-attempts';
import { RefreshTokenHandler } from './refresh-token/refresh-token.handler';
import { RegisterHandler } from './register/register.handler';
import { SigningKeys } from './tokens/signing-keys';
import { TokenIssuer } from './tokens/token-issuer';

/** Everything identity runs on, built once at boot and handed to the Nest module. */
export class IdentityRuntime implements Stoppable {
  readonly readiness = new Readiness();
  readonly metrics: ServiceMetrics;
  readonly db: DataSource;
  readonly keys = new SigningKeys();
  readonly verifier: AccessTokenVerifier;
  /** Who is calling: the same verified, cached caller every subgraph uses. */
  readonly auth: Authenticator;
  readonly register: RegisterHandler;
  readonly login: LoginHandler;
  readonly refresh: RefreshTokenHandler;
  readonly logout: LogoutHandler;
  private readonly writeSide: WriteSide;

  constructor(
    readonly config: IdentityConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.writeSide = new WriteSide({
      service: name,
      postgres: config.postgres,
      kafka: config.kafka,
      topic: Topics.identity,
      topicPartitions: config.topicPartitions,
      migrations: [Accounts1732500000000, LoginAttempts1764700000000],
      logger,
      metrics: this.metrics,
      readiness: this.readiness,
    });
    this.db = this.writeSide.db;
    const tokens = new TokenIssuer(this.keys, config);
    this.verifier = new AccessTokenVerifier({
      issuer: config.issuer,
      audience: config.audience,
      keys: async (kid) => {
        const privateKey = this.keys.byKid(kid);
        return privateKey ? createPublicKey(privateKey) : undefined;
      },
    });
    this.auth = new Authenticator(this.verifier);
    this.register = new RegisterHandler(this.db, tokens, new EventOutbox(name, Topics.identity));
    this.login = new LoginHandler(this.db, tokens, new LoginThrottle(config.loginLimits));
    this.refresh = new RefreshTokenHandler(this.db, tokens);
    this.logout = new LogoutHandler(this.db);
  }

  async start(): Promise<void> {
    await this.writeSide.start();
    // A session of its own: the key-creation advisory lock must be taken and released on one connection.
    const session = this.db.createQueryRunner('master');
    await session.connect();
    try {
      await this.keys.load(session);
    } finally {
      await session.release();
    }
  }

  stop(): Promise<void> {
    return this.writeSide.stop();
  }
}
