import { ApolloServerPlugin } from '@apollo/server';
import { DomainError } from '@voltstream/contracts';
import {
  DocumentNode,
  FieldNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  valueFromASTUntyped,
} from 'graphql';
import { Authenticator } from '../auth/authenticator';
import { bearerTokenOf, GraphQLContext } from './request-context';
import { rootFieldsOf } from './root-fields';

/**
 * What a subgraph serves without an access token: root fields as `Type.field`
 * (`Mutation.login`, `Query.courses`) and entity types whose `_entities` lookups are public
 * (the public part of a User, a Course). Everything else needs a verified token.
 */
export interface PublicSurface {
  rootFields?: readonly string[];
  entities?: readonly string[];
}

/** Root fields every GraphQL server answers and that reveal nothing of ours. */
const ALWAYS_PUBLIC = new Set(['__typename']);

/**
 * Every subgraph verifies the caller itself, for every operation, `_entities` included: the
 * gateway is not the only way in, and a resolver that forgets its check must not become an
 * open door. A request with a token has it verified here (a bad one is refused even for a
 * public field); a request without one may run only the public surface. Owner and role rules
 * stay with the resolvers; this gate only decides "signed in or public".
 */
export function operationGatePlugin(
  auth: Authenticator,
  surface: PublicSurface,
): ApolloServerPlugin<GraphQLContext> {
  const publicFields = new Set(surface.rootFields ?? []);
  const publicEntities = new Set(surface.entities ?? []);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const token = bearerTokenOf(contextValue);
          if (token) {
            await auth.verify(token).catch((error: unknown) => {
              throw unauthenticated(error instanceof DomainError ? error.message : 'invalid access token');
            });
            return;
          }
          const variables = request.variables ?? {};
          const refused = fieldsNeedingToken(document, operation, variables, publicFields, publicEntities);
          if (refused.length > 0) throw unauthenticated(`sign in first (${refused.join(', ')})`);
        },
      };
    },
  };
}

/** The root fields of the operation (as `Type.field`) that an anonymous caller may not run. */
export function fieldsNeedingToken(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  publicFields: ReadonlySet<string>,
  publicEntities: ReadonlySet<string>,
): string[] {
  const rootType = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[
    operation.operation
  ];
  return rootFieldsOf(document, operation)
    .filter((field) => {
      const name = field.name.value;
      if (ALWAYS_PUBLIC.has(name) || publicFields.has(`${rootType}.${name}`)) return false;
      if (name === '_entities') return !entityTypesOf(field, variables).every((t) => publicEntities.has(t));
      return true;
    })
    .map((field) => `${rootType}.${field.name.value}`);
}

/** The `__typename` of every representation an `_entities` field asks for ('' when unknown). */
function entityTypesOf(field: FieldNode, variables: Record<string, unknown>): string[] {
  const argument = field.arguments?.find((a) => a.name.value === 'representations')?.value;
  const value: unknown =
    argument === undefined
      ? []
      : argument.kind === Kind.VARIABLE
        ? variables[argument.name.value]
        : valueFromASTUntyped(argument, variables);
  const list = Array.isArray(value) ? value : [value];
  // An empty list asks for nothing; anything unreadable counts as private.
  return list.map((representation: unknown) => {
    const typename = (representation as { __typename?: unknown } | null)?.__typename;
    return typeof typename === 'string' ? typename : '';
  });
}

const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
