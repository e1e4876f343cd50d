import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
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
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('energy-query'),
          deadLetters: { service: 'energy-query', desk: () => runtime.readSide.deadLetterDesk },
        }),
      ],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: EnergyQueryRuntime, useValue: runtime },
        MeterResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
