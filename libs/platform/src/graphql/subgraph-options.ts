import { ApolloFederationDriver, ApolloFederationDriverConfig } from '@nestjs/apollo';
import { DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GraphQLFormattedError } from 'graphql';
import { JsonLogger } from '../logging/json-logger';
import { DateTimeScalar } from './date-time.scalar';
import { formatGraphQLError } from './error-format';

/** Apollo's formatError for a service: codes per API.md, internal errors to the log only. */
export function errorFormatter(logger: JsonLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    formatGraphQLError(formatted, error, (internal) =>
      logger.error(internal instanceof Error ? internal : String(internal), 'GraphQL'),
    );
}

/**
 * The GraphQL module every subgraph shares: schema-first SDL from `typePaths`, federation 2,
 * the DateTime scalar, errors mapped to codes, no stack traces.
 */
export function subgraphModule(typePaths: string[], logger: JsonLogger): DynamicModule {
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
    formatError: errorFormatter(logger),
  });
}
