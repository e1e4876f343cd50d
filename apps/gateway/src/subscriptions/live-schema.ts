import { ApolloServerPlugin } from '@apollo/server';
import { SUBSCRIPTION_SDL } from '@voltstream/contracts';
import { extendSchema, GraphQLError, GraphQLSchema, OperationTypeNode, parse } from 'graphql';

/**
 * The schema subscriptions validate against: the API schema the supergraph composes, with the
 * public Subscription type added, so a subscription selects the same full types a query does.
 */
export function liveSchemaOf(apiSchema: GraphQLSchema): GraphQLSchema {
  return extendSchema(apiSchema, parse(`${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`));
}

/** Follows the gateway's API schema as Apollo loads it, and keeps the live schema built from it. */
export class LiveSchema {
  private current: GraphQLSchema | undefined;

  get(): GraphQLSchema | undefined {
    return this.current;
  }

  plugin(): ApolloServerPlugin {
    return {
      serverWillStart: async () => ({
        schemaDidLoadOrUpdate: ({ apiSchema }) => {
          this.current = liveSchemaOf(apiSchema);
        },
      }),
    };
  }
}

/**
 * A subscription sent over HTTP is the client's mistake: say where it goes, before any planning
 * (the gateway's executor would fail on it with an internal error).
 */
export function subscriptionsOverWebSocketPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return;
          throw new GraphQLError(
            'subscriptions run over graphql-ws (WebSocket) on this path, not over HTTP',
            {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            },
          );
        },
      };
    },
  };
}
