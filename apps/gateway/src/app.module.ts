import { ApolloGatewayDriver, ApolloGatewayDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import {
  formatGraphQLError,
  JsonLogger,
  ObservabilityModule,
  Readiness,
  ServiceMetrics,
} from '@voltstream/platform';
import { GatewayConfig, subgraphUrl } from './config';
import { ForwardingDataSource } from './forwarded-headers';

export interface GatewayRuntime {
  config: GatewayConfig;
  logger: JsonLogger;
  readiness: Readiness;
  metrics: ServiceMetrics;
  supergraphSdl: string;
}

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
            formatError: (formatted, error) =>
              formatGraphQLError(formatted, error, (internal) =>
                logger.error(internal instanceof Error ? internal : String(internal), 'GraphQL'),
              ),
          },
          gateway: {
            supergraphSdl: runtime.supergraphSdl,
            buildService: ({ name, url }) =>
              new ForwardingDataSource({ url: subgraphUrl(config, name, url) }),
          },
        }),
      ],
    };
  }
}
