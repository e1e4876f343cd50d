import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloFederationDriver, ApolloFederationDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { deadLetterRootSdl, ServiceWithProjections } from '@voltstream/contracts';
import { GraphQLFormattedError } from 'graphql';
import { Authenticator } from '../auth/authenticator';
import { JsonLogger } from '../logging/json-logger';
import { DeadLetterDesk } from '../kafka/dead-letter-desk';
import { DateTimeScalar } from './date-time.scalar';
import { DEAD_LETTER_SCHEMA, deadLetterFields } from './dead-letter-fields';
import { formatGraphQLError } from './error-format';
import { operationGatePlugin, PublicSurface } from './operation-gate';
import { consistencyTokenPlugin } from './written-token';

/** Apollo's formatError for a service: codes per API.md, internal errors to the log only. */
export function errorFormatter(logger: JsonLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    formatGraphQLError(formatted, error, (internal) =>
      logger.error(internal instanceof Error ? internal : String(internal), 'GraphQL'),
    );
}

export interface SubgraphGate {
  auth: Authenticator;
  publicSurface?: PublicSurface;
  /** A service that runs projections serves its dead-letter desk (ADMIN only) from this. */
  deadLetters?: { service: ServiceWithProjections; desk: () => DeadLetterDesk };
}

@Module({})
class SubgraphModule {}

/**
 * The GraphQL module every subgraph shares: schema-first SDL from `typePaths`, federation 2,
 * the DateTime scalar, errors mapped to codes, no stack traces, the operation gate (a verified
 * access token for everything but `publicSurface`), the consistency token of a scalar mutation
 * (written-token.ts) and, where the service runs projections, the
 * operator's dead-letter fields.
 */
export function subgraphModule(typePaths: string[], logger: JsonLogger, gate: SubgraphGate): DynamicModule {
  const desk = gate.deadLetters;
  const graphql = GraphQLModule.forRoot<ApolloFederationDriverConfig>({
    driver: ApolloFederationDriver,
    typePaths: desk ? [...typePaths, DEAD_LETTER_SCHEMA] : typePaths,
    typeDefs: desk ? [deadLetterRootSdl(desk.service)] : [],
    resolvers: { DateTime: DateTimeScalar },
    path: '/graphql',
    playground: false,
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: unknown }) => ({ req }),
    plugins: [
      operationGatePlugin(gate.auth, gate.publicSurface ?? {}),
      consistencyTokenPlugin(),
      // Apollo's cache-control plugin hooks every field resolved (we set no cache hints: the read
      // models have their own cache) and inline traces serve only Apollo Studio reporting, which
      // the gateway does not do; both off, so no field pays for them and no caller can ask a
      // subgraph for its resolver timings.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
    formatError: errorFormatter(logger),
  });
  return {
    module: SubgraphModule,
    imports: [graphql],
    providers: desk
      ? [{ provide: Authenticator, useValue: gate.auth }, ...deadLetterFields(desk.service, desk.desk)]
      : [],
  };
}
