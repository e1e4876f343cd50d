import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { clientAddressOf, rootFieldsOf } from '@voltstream/platform';
import { DocumentNode, GraphQLError, Kind, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import { GatewayContext } from './gateway-context';
import { LoginThrottle } from './login-throttle';

/**
 * The email of every `login` field a mutation runs, literal or from variables, wherever it
 * stands: aliased, in an inline fragment or in a named fragment, at any depth of fragments.
 */
export function loginEmails(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): string[] {
  if (operation.operation !== OperationTypeNode.MUTATION) return [];
  return rootFieldsOf(document, operation)
    .filter((field) => field.name.value === 'login')
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
 * Throttles sign-in before identity sees it (identity throttles again, where the credentials
 * live). While Redis is down the throttle counts in this process instead (LoginThrottle).
 */
export function loginThrottlePlugin(throttle: LoginThrottle): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const emails = loginEmails(document, operation, request.variables ?? {});
          if (emails.length === 0) return;
          const wait = await throttle.attempt(emails, clientAddressOf(contextValue.req));
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
