import { Authenticator, formatGraphQLError, JsonLogger } from '@voltstream/platform';
import {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  getOperationAST,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationTypeNode,
  parse,
  validate,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { IncomingMessage, Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { enforceLimits, measureOperation, OperationLimits } from '../limits/operation-limits';
import { LiveResult, SubscriptionContext } from './live-subscription';

export interface SubscriptionServing {
  /** The API schema with the Subscription type; undefined until the supergraph has loaded. */
  schema: () => GraphQLSchema | undefined;
  auth: Authenticator;
  limits: OperationLimits;
  /** Whether an operation's text may run (the safelist, in production). */
  allows: (query: string) => boolean;
  subscribe: (args: ExecutionArgs) => Promise<AsyncIterableIterator<LiveResult> | LiveResult>;
  logger: JsonLogger;
}

/**
 * graphql-ws on the gateway's own HTTP server and path. The access token comes from the
 * connection parameters' `authorization` (browsers cannot set headers on a WebSocket) or the
 * upgrade request's header, and is verified like any request's. A subscription is held to the
 * guard of every HTTP request before it opens: it validates against the full API, stays within
 * the operation limits, and in safelist mode must be a registered operation.
 */
export function serveSubscriptions(server: Server, serving: SubscriptionServing): () => Promise<void> {
  const { auth, logger } = serving;
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const cleanup = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      context: async ({ connectionParams, extra }): Promise<SubscriptionContext> => {
        const authorization =
          stringParam(connectionParams?.['authorization']) ?? headerOf(extra.request, 'authorization');
        const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
        const caller = token ? await auth.verify(token) : null;
        const address = extra.request.socket.remoteAddress ?? 'unknown';
        return { subscriber: caller && token ? { caller, token, address } : null };
      },
      // Errors returned here are the client's input (parse, validation, limits): they answer the
      // operation, where a throw would close the whole socket (4500, "Internal server error").
      onSubscribe: (_ctx, _id, payload) => {
        const schema = serving.schema();
        if (!schema) return [unavailable()];
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('the document does not parse')];
        }
        const invalid = validate(schema, document);
        if (invalid.length > 0) return invalid;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [clientError('name the operation to run', 'BAD_USER_INPUT')];
        if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [clientError('queries and mutations go over HTTP to this path', 'BAD_USER_INPUT')];
        }
        if (!serving.allows(payload.query)) {
          return [
            clientError('only registered operations run on this gateway', 'PERSISTED_QUERY_NOT_IN_LIST'),
          ];
        }
        try {
          enforceLimits(measureOperation(document, operation, payload.variables ?? {}), serving.limits);
        } catch (error) {
          return [error instanceof GraphQLError ? error : clientError(String(error), 'BAD_USER_INPUT')];
        }
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      // Supergraph answers arrive formatted (GraphQLFormattedError); onNext passes them as they are.
      subscribe: (args) => serving.subscribe(args) as Promise<ExecutionResult>,
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => mapped(asClientInput(error), logger)),
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors) return result;
        // Our own errors are formatted here; a supergraph answer's were formatted by Apollo.
        return {
          ...result,
          errors: result.errors.map((error: GraphQLError | GraphQLFormattedError) =>
            error instanceof GraphQLError ? mapped(error, logger) : error,
          ),
        };
      },
    },
    wss,
  );
  return async () => {
    await cleanup.dispose();
    wss.close();
  };
}

const clientError = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

const unavailable = () =>
  new GraphQLError('the gateway is starting; retry shortly', {
    extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
  });

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
