import { DynamicModule, Module } from '@nestjs/common';
import { publicSurfaceOf } from '@voltstream/contracts';
import { Authenticator, ObservabilityModule, stopOnShutdown, subgraphModule } from '@voltstream/platform';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MeterResolver } from './meters/meter.resolver';
import { RecordReadingsHandler } from './record-readings/record-readings.handler';
import { RecordReadingsResolver } from './record-readings/record-readings.resolver';
import { RegisterMeterHandler } from './register-meter/register-meter.handler';
import { RegisterMeterResolver } from './register-meter/register-meter.resolver';
import { EnergyCommandRuntime } from './runtime';

@Module({})
export class AppModule {
  static with(runtime: EnergyCommandRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forService(runtime.readiness, runtime.metrics),
        subgraphModule([join(__dirname, 'schema/*.graphql')], runtime.logger, {
          auth: runtime.auth,
          publicSurface: publicSurfaceOf('energy-command'),
        }),
      ],
      providers: [
        { provide: Authenticator, useValue: runtime.auth },
        { provide: DataSource, useValue: runtime.db },
        { provide: RegisterMeterHandler, useValue: runtime.registerMeter },
        { provide: RecordReadingsHandler, useValue: runtime.recordReadings },
        RegisterMeterResolver,
        RecordReadingsResolver,
        MeterResolver,
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
