import { ApolloFederationDriver, ApolloFederationDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { DateTimeScalar, ObservabilityModule, stopOnShutdown, subgraphOptions } from '@voltstream/platform';
import { join } from 'node:path';
import { MeterResolver } from './meters/meter.resolver';
import { EnergyQueryRuntime } from './runtime';

@Module({})
export class AppModule {
  static with(runtime: EnergyQueryRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        GraphQLModule.forRoot<ApolloFederationDriverConfig>({
          driver: ApolloFederationDriver,
          ...subgraphOptions([join(__dirname, 'schema/*.graphql')], runtime.logger),
          resolvers: { DateTime: DateTimeScalar },
        }),
      ],
      providers: [
        { provide: EnergyQueryRuntime, useValue: runtime },
        MeterResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
