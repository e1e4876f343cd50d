import { ApolloFederationDriverConfig } from '@nestjs/apollo';
import { JsonLogger } from '../logging/json-logger';
import { formatGraphQLError } from './error-format';

/** Options every subgraph shares: schema-first SDL, federation 2, errors mapped to codes. */
export function subgraphOptions(
  typePaths: string[],
  logger: JsonLogger,
): Omit<ApolloFederationDriverConfig, 'driver'> {
  return {
    typePaths,
    path: '/graphql',
    playground: false,
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    context: ({ req }: { req: unknown }) => ({ req }),
    formatError: (formatted, error) =>
      formatGraphQLError(formatted, error, (internal) =>
        logger.error(internal instanceof Error ? internal : String(internal), 'GraphQL'),
      ),
  };
}
