import { Authenticator, formatGraphQLError, JsonLogger } from '@voltstream/platform';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { IncomingMessage, Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { SubscriptionContext } from './subscription-schema';

/**
 * graphql-ws on the gateway's own HTTP server and path. The access token comes from the
 * connection parameters' `authorization` (browsers cannot set headers on a WebSocket) or the
 * upgrade request's header, and is verified like any request's.
 */
export function serveSubscriptions(
  server: Server,
  schema: GraphQLSchema,
  auth: Authenticator,
  logger: JsonLogger,
): () => Promise<void> {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const cleanup = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      schema,
      context: async ({ connectionParams, extra }): Promise<SubscriptionContext> => {
        const authorization =
          stringParam(connectionParams?.['authorization']) ?? headerOf(extra.request, 'authorization');
        const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
        return { caller: token ? await auth.verify(token) : null, token };
      },
      // graphql-ws sends the document's parse and validation errors here: they are the client's
      // input (BAD_USER_INPUT), not an INTERNAL failure of ours.
      // A document that does not parse would otherwise close the whole socket (4500, "Internal
      // server error"): answer it as the operation's error, like one that fails validation.
      onSubscribe: (_ctx, _id, payload) => {
        try {
          parse(payload.query);
          return undefined;
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('the document does not parse')];
        }
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => mapped(asClientInput(error), logger)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if ('errors' in result && result.errors) {
          return {
            ...result,
            errors: result.errors.map((error) => mapped(error, logger)),
          };
        }
        return result;
      },
    },
    wss,
  );
  return async () => {
    await cleanup.dispose();
    wss.close();
  };
}

/** A GraphQL error raised by no resolver and carrying no code is a document the client got wrong. */
function asClientInput(error: GraphQLError): GraphQLError {
  if (error.originalError || error.extensions['code']) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

function mapped(error: GraphQLError, logger: JsonLogger): GraphQLFormattedError {
  return formatGraphQLError(error.toJSON(), error, (internal) =>
    logger.error(internal instanceof Error ? internal : String(internal), 'Subscriptions'),
  );
}

const stringParam = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value : undefined;

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
