import { DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, stopOnShutdown } from '@voltstream/platform';
import { DataSource } from 'typeorm';
import { CreateChargeController } from './create-charge/create-charge.controller';
import { CreateChargeHandler } from './create-charge/create-charge.handler';
import { GetChargesController } from './get-charges/get-charges.controller';
import { PaymentSandboxRuntime } from './runtime';

@Module({})
export class AppModule {
  static with(runtime: PaymentSandboxRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forService(runtime.readiness, runtime.metrics)],
      controllers: [CreateChargeController, GetChargesController],
      providers: [
        { provide: DataSource, useValue: runtime.db },
        { provide: CreateChargeHandler, useValue: runtime.createCharge },
        ...stopOnShutdown(runtime),
      ],
    };
  }
}
