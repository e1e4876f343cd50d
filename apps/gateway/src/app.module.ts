import { ApolloGatewayDriver, ApolloGatewayDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { errorFormatter, ObservabilityModule, stopOnShutdown } from '@voltstream/platform';
import { subgraphUrl } from './config';
import { ForwardingDataSource, nativeFetcher } from './forwarded-headers';
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
            introspection: config.mode === 'development',
            csrfPrevention: true,
            includeStacktraceInErrorResponses: false,
            context: ({ req }: { req: unknown }) => ({ req }),
            formatError: errorFormatter(logger),
          },
          gateway: {
            supergraphSdl: runtime.supergraphSdl,
            buildService: ({ name, url }) =>
              new ForwardingDataSource({ url: subgraphUrl(config, name, url), fetcher: nativeFetcher }),
          },
        }),
      ],
      providers: [...stopOnShutdown(runtime)],
    };
  }
}
