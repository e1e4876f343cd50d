import { deadLetterTopic, Topics } from '@voltstream/contracts';
import {
  AccessTokenVerifier,
  createDataSource,
  createKafka,
  ensureTopics,
  EventPublisher,
  JsonLogger,
  migrate,
  OutboxRelay,
  Readiness,
  reportPoolUsage,
  retryUntilDone,
  ServiceMetrics,
  Stoppable,
  withDatabase,
} from '@voltstream/platform';
import { Kafka } from 'kafkajs';
import { createPublicKey } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IdentityConfig } from './config';
import { LoginHandler } from './login/login.handler';
import { LogoutHandler } from './logout/logout.handler';
import { Accounts1732500000000 } from './migrations/1732500000000-accounts';
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
  readonly register: RegisterHandler;
  readonly login: LoginHandler;
  readonly refresh: RefreshTokenHandler;
  readonly logout: LogoutHandler;
  private readonly kafka: Kafka;
  private readonly publisher: EventPublisher;
  private readonly relay: OutboxRelay;
  private stopped = false;

  constructor(
    readonly config: IdentityConfig,
    readonly logger: JsonLogger,
  ) {
    const name = config.service.serviceName;
    this.metrics = new ServiceMetrics(name);
    this.db = createDataSource({
      url: config.postgres.primaryUrl,
      database: config.postgres.database,
      applicationName: name,
      poolSize: config.postgres.poolSize,
      connectTimeoutMs: config.postgres.connectTimeoutMs,
      statementTimeoutMs: config.postgres.statementTimeoutMs,
      migrations: [Accounts1732500000000],
    });
    reportPoolUsage(this.metrics, { primary: this.db });
    this.kafka = createKafka(config.kafka, logger);
    this.publisher = new EventPublisher(this.kafka);
    this.relay = new OutboxRelay({
      service: name,
      connectionString: withDatabase(config.postgres.primaryUrl, config.postgres.database),
      publisher: this.publisher,
      logger,
      onBacklog: (rows) => this.metrics.outboxBacklog.set(rows),
    });
    const tokens = new TokenIssuer(this.keys, config);
    this.verifier = new AccessTokenVerifier({
      issuer: config.issuer,
      audience: config.audience,
      keys: async (kid) => {
        const privateKey = this.keys.byKid(kid);
        return privateKey ? createPublicKey(privateKey) : undefined;
      },
    });
    this.register = new RegisterHandler(this.db, tokens, name);
    this.login = new LoginHandler(this.db, tokens);
    this.refresh = new RefreshTokenHandler(this.db, tokens);
    this.logout = new LogoutHandler(this.db);
    this.readiness.add({
      name: 'database',
      check: async () => {
        await this.db.query('SELECT 1');
        return { up: true };
      },
    });
  }

  async start(): Promise<void> {
    await this.db.initialize();
    await migrate(this.db, this.config.service.serviceName);
    // A session of its own: the key-creation advisory lock must be taken and released on one connection.
    const session = this.db.createQueryRunner('master');
    await session.connect();
    try {
      await this.keys.load(session);
    } finally {
      await session.release();
    }
    void retryUntilDone(
      async () => {
        await ensureTopics(this.kafka, [
          { topic: Topics.identity, partitions: this.config.topicPartitions },
          { topic: deadLetterTopic(Topics.identity), partitions: 1 },
        ]);
        this.relay.start();
      },
      {
        isCancelled: () => this.stopped,
        onError: (error, attempt) =>
          this.logger.event('warn', 'cannot create topics yet', { error: String(error), attempt }),
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.relay.stop();
    await this.publisher.disconnect();
    if (this.db.isInitialized) await this.db.destroy();
  }
}
