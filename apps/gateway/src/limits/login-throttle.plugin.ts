import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { JsonLogger } from '@voltstream/platform';
import { FieldNode, GraphQLError, Kind, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import { clientAddress, GatewayContext } from './gateway-context';
import { LoginThrottle } from './login-throttle';

/** The email of every `login` field at the top of a mutation, literal or from variables. */
export function loginEmails(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string[] {
  if (operation.operation !== OperationTypeNode.MUTATION) return [];
  return operation.selectionSet.selections
    .filter(
      (selection): selection is FieldNode =>
        selection.kind === Kind.FIELD && selection.name.value === 'login',
    )
    .map((field) => {
      const argument = field.arguments?.find((a) => a.name.value === 'email')?.value;
      if (argument?.kind === Kind.STRING) return argument.value;
      if (argument?.kind === Kind.VARIABLE) {
        const value = variables[argument.name.value];
        return typeof value === 'string' ? value : '';
      }
      return '';
    });
}

/**
 * Throttles sign-in before identity sees it. A Redis outage lets attempts through (logged):
 * refusing every login while the cache is down would lock everyone out.
 */
export function loginThrottlePlugin(
  throttle: LoginThrottle,
  logger: JsonLogger,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, contextValue }) {
          if (!operation) return;
          const emails = loginEmails(operation, request.variables ?? {});
          if (emails.length === 0) return;
          const ip = clientAddress(contextValue.req);
          const wait = await throttle.attempt(emails, ip).catch((error: unknown) => {
            logger.event('warn', 'login throttle unavailable; letting the attempt through', {
              error: String(error),
            });
            return null;
          });
          if (wait === null) return;
          throw new GraphQLError('too many sign-in attempts; wait before trying again', {
            extensions: {
              code: 'RATE_LIMITED',
              retryAfterSeconds: wait,
              http: { status: 429, headers: new HeaderMap([['retry-after', String(wait)]]) },
            },
          });
        },
      };
    },
  };
}
