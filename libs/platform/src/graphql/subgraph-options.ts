import { ApolloFederationDriver, ApolloFederationDriverConfig } from '@nestjs/apollo';
import { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLFormattedError } from 'graphql';
import { Authenticator } from '../auth/authenticator';
import { JsonLogger } from '../logging/json-logger';
import { DateTimeScalar } from './date-time.scalar';
import { formatGraphQLError } from './error-format';
import { operationGatePlugin, PublicSurface } from './operation-gate';

/** Apollo's formatError for a service: codes per API.md, internal errors to the log only. */
export function errorFormatter(logger: JsonLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    formatGraphQLError(formatted, error, (internal) =>
      logger.error(internal instanceof Error ? internal : String(internal), 'GraphQL'),
    );
}

/**
 * The GraphQL module every subgraph shares: schema-first SDL from `typePaths`, federation 2,
 * the DateTime scalar, errors mapped to codes, no stack traces, and the operation gate: a
 * verified access token for everything but `publicSurface`.
 */
export function subgraphModule(
  typePaths: string[],
  logger: JsonLogger,
  gate: { auth: Authenticator; publicSurface?: PublicSurface },
): DynamicModule {
  return GraphQLModule.forRoot<ApolloFederationDriverConfig>({
    driver: ApolloFederationDriver,
    typePaths,
    resolvers: { DateTime: DateTimeScalar },
    path: '/graphql',
    playground: false,
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: unknown }) => ({ req }),
    plugins: [operationGatePlugin(gate.auth, gate.publicSurface ?? {})],
    formatError: errorFormatter(logger),
  });
}
