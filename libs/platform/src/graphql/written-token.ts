import { ApolloServerPlugin } from '@apollo/server';
import { GraphQLContext, RequestLike } from './request-context';

/** Where a response names the write a mutation made when its payload has no field for it. */
export const CONSISTENCY_TOKEN_HEADER = 'x-consistency-token';
export const CONSISTENCY_TOKEN_EXTENSION = 'consistencyToken';

const written = new WeakMap<RequestLike, string>();

/**
 * Answers this request with `token`: a mutation that returns a scalar (`follow: Boolean!`) has
 * no payload to carry it. Mutations of one operation run one after another, so the last write
 * wins: it names the stream's latest version.
 */
export function answerWithConsistencyToken(context: GraphQLContext, token: string): void {
  written.set(context.req, token);
}

/** The token a mutation of this request answered with, if any. */
export function writtenTokenOf(context: GraphQLContext): string | undefined {
  return written.get(context.req);
}

/**
 * Puts the token of answerWithConsistencyToken into the response: `extensions.consistencyToken`
 * and the `x-consistency-token` header, the same value a read then accepts as argument or header.
 */
export function consistencyTokenPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const token = writtenTokenOf(contextValue);
          if (!token) return;
          response.http.headers.set(CONSISTENCY_TOKEN_HEADER, token);
          if (response.body.kind === 'single') {
            const result = response.body.singleResult;
            result.extensions = { ...result.extensions, [CONSISTENCY_TOKEN_EXTENSION]: token };
          }
        },
      };
    },
  };
}
