import { ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { clientAddressOf, JsonLogger } from '@voltstream/platform';
import { GraphQLError } from 'graphql';
import { GatewayContext } from './gateway-context';
import { operationCount } from './operation-count';
import { RateDecision, RateLimiter } from './rate-limiter';

/**
 * Charges each request its operation count against its user and address before the gateway
 * plans it, refuses it over a limit with RATE_LIMITED (429, Retry-After), and stamps every
 * GraphQL response with X-RateLimit-Remaining. A request that fails to parse is charged one.
 * A Redis outage lets requests through without the header (logged): the API stays up.
 */
export function rateLimitPlugin(
  limiter: RateLimiter,
  logger: JsonLogger,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      // The subscriber was charged for the subscription, not for each event read for it.
      if (contextValue.liveEvent) return {};
      // Set once the request is charged; null when the limiter could not be asked. Other
      // plugins may refuse the operation while the charge is in flight, so the response waits.
      let charged: Promise<RateDecision | null> | undefined;
      const charge = (cost: number): Promise<RateDecision | null> =>
        limiter
          .consume({
            userId: contextValue.caller?.userId ?? null,
            ip: clientAddressOf(contextValue.req),
            cost,
          })
          .catch((error: unknown) => {
            logger.event('warn', 'rate limiter unavailable; letting the request through', {
              error: String(error),
            });
            return null;
          });
      return {
        async didResolveOperation({ document, operation }) {
          if (!operation) return;
          charged = charge(operationCount(document, operation));
          const wait = (await charged)?.retryAfterSeconds;
          if (wait === null || wait === undefined) return;
          throw new GraphQLError('rate limit reached; wait before sending more requests', {
            extensions: {
              code: 'RATE_LIMITED',
              retryAfterSeconds: wait,
              http: { status: 429, headers: new HeaderMap([['retry-after', String(wait)]]) },
            },
          });
        },
        async willSendResponse({ response }) {
          const decision = await (charged ??= charge(1));
          if (decision) response.http.headers.set('x-ratelimit-remaining', String(decision.remaining));
        },
      };
    },
  };
}
