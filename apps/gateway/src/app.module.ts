import { ApolloGatewayDriver, ApolloGatewayDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { errorFormatter, ObservabilityModule, RequestLike, stopOnShutdown } from '@voltstream/platform';
import { GraphQLError } from 'graphql';
import { subgraphUrl } from './config';
import { ForwardingDataSource, nativeFetcher } from './forwarded-headers';
import { loginThrottlePlugin } from './limits/login-throttle.plugin';
import { operationLimitsPlugin } from './limits/operation-limits.plugin';
import { GatewayRuntime } from './runtime';

@Module({})
export class AppModule {
  static with(runtime: GatewayRuntime): DynamicModule {
    const { config, logger } = runtime;
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        GraphQLModule.forRoot<ApolloGatewayDriverConfig>({
          driver: ApolloGatewayDriver,
          server: {
            path: '/graphql',
            playground: false,
            plugins: [
              operationLimitsPlugin(config.limits),
              loginThrottlePlugin(runtime.loginThrottle, logger),
            ],
            introspection: config.mode === 'development',
            // No "Did you mean …?" in production: suggestions map the schema for an attacker.
            hideSchemaDetailsFromClientErrors: config.mode === 'production',
            csrfPrevention: true,
            includeStacktraceInErrorResponses: false,
            // Reject a bad token here, before any planning or subgraph call; subgraphs verify again.
            context: async ({ req }: { req: RequestLike }) => {
              await runtime.auth.optionalCaller({ req }).catch((error: unknown) => {
                throw new GraphQLError(error instanceof Error ? error.message : 'invalid access token', {
                  extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
                });
              });
              return { req };
            },
            formatError: errorFormatter(logger),
          },
          gateway: {
            supergraphSdl: runtime.supergraphSdl,
            buildService: ({ name, url }) =>
              new ForwardingDataSource({
                url: subgraphUrl(config, name, url),
                fetcher: nativeFetcher(config.service.requestTimeoutMs),
              }),
          },
        }),
      ],
      providers: [...stopOnShutdown(runtime)],
    };
  }
}
