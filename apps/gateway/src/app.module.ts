import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGatewayDriver, ApolloGatewayDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import {
  consistencyTokenPlugin,
  errorFormatter,
  ObservabilityModule,
  stopOnShutdown,
} from '@voltstream/platform';
import { GraphQLError } from 'graphql';
import { GRAPHQL_PATH } from './config';
import { ForwardingDataSource } from './forwarded-headers';
import { httpFetcher } from './http-fetcher';
import { GatewayContext } from './limits/gateway-context';
import { loginThrottlePlugin } from './limits/login-throttle.plugin';
import { operationLimitsPlugin } from './limits/operation-limits.plugin';
import { rateLimitPlugin } from './limits/rate-limit.plugin';
import { GatewayRuntime } from './runtime';
import { sharingIdenticalQueries } from './shared-reads';
import { spreadOver } from './subgraph-instances/spread-fetcher';
import { subscriptionsOverWebSocketPlugin } from './subscriptions/live-schema';

/** A plan cache that keeps nothing: every operation is planned again (QUERY_PLAN_CACHE=off). */
type PlanCache = NonNullable<
  NonNullable<NonNullable<ApolloGatewayDriverConfig['gateway']>['queryPlannerConfig']>['cache']
>;
const noPlanCache: PlanCache = {
  get: async () => undefined,
  set: async () => undefined,
  delete: async () => true,
  clear: () => undefined,
};

@Module({})
export class AppModule {
  static with(runtime: GatewayRuntime): DynamicModule {
    const { config, logger } = runtime;
    const http = httpFetcher(config.service.requestTimeoutMs);
    // Identical queries share one call before it is given an instance, whichever it lands on.
    const share = config.shareInFlightQueries === 'on' ? sharingIdenticalQueries : <T>(f: T) => f;
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        GraphQLModule.forRoot<ApolloGatewayDriverConfig>({
          driver: ApolloGatewayDriver,
          server: {
            path: GRAPHQL_PATH,
            // Nest's own IDEs load from a CDN; development mode serves ours (runtime.ide) instead.
            playground: false,
            plugins: [
              // No cache hints are set anywhere; Apollo's cache-control plugin only costs time.
              ApolloServerPluginCacheControlDisabled(),
              rateLimitPlugin(runtime.rateLimiter, logger),
              ...runtime.persistedQueries.plugins,
              operationLimitsPlugin(config.limits),
              loginThrottlePlugin(runtime.loginThrottle),
              runtime.liveSchema.plugin(),
              subscriptionsOverWebSocketPlugin(),
              consistencyTokenPlugin(),
              ...(runtime.ide ? [runtime.ide.plugin] : []),
            ],
            persistedQueries: runtime.persistedQueries.option,
            introspection: config.mode === 'development',
            // No "Did you mean …?" in production: suggestions map the schema for an attacker.
            hideSchemaDetailsFromClientErrors: config.mode === 'production',
            csrfPrevention: true,
            includeStacktraceInErrorResponses: false,
            // Reject a bad token here, before any planning or subgraph call; subgraphs verify again.
            context: async ({ req }: { req: GatewayContext['req'] }): Promise<GatewayContext> => {
              const caller = await runtime.auth.optionalCaller({ req }).catch((error: unknown) => {
                throw new GraphQLError(error instanceof Error ? error.message : 'invalid access token', {
                  extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
                });
              });
              return { req, caller };
            },
            formatError: errorFormatter(logger),
          },
          gateway: {
            supergraphSdl: runtime.supergraphSdl,
            ...(config.queryPlanCache === 'off' ? { queryPlannerConfig: { cache: noPlanCache } } : {}),
            buildService: ({ name, url }) => {
              const instances = runtime.subgraphs.of(name, url);
              return new ForwardingDataSource({
                url: instances.urls[0],
                fetcher: share(spreadOver(instances, http)),
              });
            },
          },
        }),
      ],
      providers: [...stopOnShutdown(runtime)],
    };
  }
}
