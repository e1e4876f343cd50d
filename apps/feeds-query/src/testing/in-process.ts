import { randomBytes, randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEnvelope } from '@voltstream/contracts';
import { JsonLogger } from '@voltstream/platform';
import { userRegisteredEnvelope } from '@voltstream/platform/testing';
import {
  createScratchDatabase,
  dataOf,
  graphql,
  GraphQLResponse,
  ScratchDatabase,
  TestSettings,
} from '@voltstream/testing';
import { AppModule } from '../app.module';
import { readConfig } from '../config';
import { UsersProjection } from '../projection/users-projection';
import { FeedsQueryRuntime } from '../runtime';
import { asConsumed } from './feeds-history';

export interface Caller {
  id: string;
  token: string;
}

/**
 * feeds-query in this process, on a scratch read database, with events projected straight into
 * it: what a test needs to look inside (count statements) without Kafka's latency. Callers are
 * real users of the running identity service, signed up through the gateway.
 */
export class InProcessFeedsQuery {
  /** SQL statements sent through the read side (the router's databases) since the last reset. */
  statements = 0;
  private constructor(
    readonly runtime: FeedsQueryRuntime,
    private readonly app: INestApplication,
    private readonly scratch: ScratchDatabase,
    readonly url: string,
  ) {}

  static async start(settings: TestSettings, env: Record<string, string> = {}): Promise<InProcessFeedsQuery> {
    const scratch = await createScratchDatabase(settings.databaseUrl, 'feeds_query_test');
    const config = readConfig({
      DATABASE_URL: scratch.url,
      REDIS_URL: settings.redisUrl,
      KAFKA_BROKERS: settings.kafkaBrokers.join(','),
      IDENTITY_JWKS_URL: `${settings.serviceBaseUrl('identity')}/.well-known/jwks.json`,
      LOG_LEVEL: 'error',
      ...env,
    });
    const runtime = new FeedsQueryRuntime(config, new JsonLogger('feeds-query-test', 'error'));
    await runtime.startReads();
    const app = await NestFactory.create(AppModule.with(runtime), { logger: false });
    await app.listen(0, '127.0.0.1');
    const address = (app.getHttpServer() as { address(): { port: number } }).address();
    const service = new InProcessFeedsQuery(
      runtime,
      app,
      scratch,
      `http://127.0.0.1:${address.port}/graphql`,
    );
    const query = runtime.readSide.primary.query.bind(runtime.readSide.primary);
    runtime.readSide.primary.query = ((...args: Parameters<typeof query>) => {
      service.statements += 1;
      return query(...args);
    }) as typeof query;
    return service;
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.scratch.drop();
  }

  async project(events: readonly EventEnvelope[]): Promise<void> {
    await this.runtime.readSide.primary.transaction((tx) =>
      this.runtime.projection.apply(asConsumed(events), tx),
    );
  }

  /** Registers users with the read model as identity.UserRegistered would. */
  async register(...userIds: string[]): Promise<void> {
    const events = userIds.map((userId) => userRegisteredEnvelope(userId));
    await this.runtime.readSide.primary.transaction((tx) =>
      new UsersProjection().apply(asConsumed(events), tx),
    );
  }

  ask<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    caller?: Caller,
  ): Promise<GraphQLResponse<T>> {
    return graphql<T>(this.url, query, variables, caller ? { token: caller.token } : {});
  }
}

/** A new user signed up through the gateway. */
export async function signUp(gatewayUrl: string): Promise<Caller> {
  const registered = await graphql<{ register: { accessToken: string; user: { id: string } } }>(
    gatewayUrl,
    'mutation($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    {
      input: {
        email: `feeds-${randomBytes(6).toString('hex')}@example.com`,
        password: 'a passphrase for tests',
        displayName: 'Feeds learner',
      },
    },
  );
  const { accessToken, user } = dataOf(registered).register;
  return { id: user.id, token: accessToken };
}

export const codeOf = (response: GraphQLResponse<unknown>) => response.errors[0]?.extensions?.code;

export const fieldOf = (response: GraphQLResponse<unknown>) =>
  (response.errors[0]?.extensions?.['fieldErrors'] as { path: string }[] | undefined)?.[0]?.path;

export const someone = () => randomUUID();
