import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsController } from '../metrics/metrics.controller';
import { ServiceMetrics } from '../metrics/service-metrics';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

/** `/health/live`, `/health/ready` and `/metrics` for a service's own Readiness and metrics. */
@Module({})
export class ObservabilityModule {
  static forService(readiness: Readiness, metrics: ServiceMetrics): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: Readiness, useValue: readiness },
        { provide: ServiceMetrics, useValue: metrics },
      ],
      exports: [Readiness, ServiceMetrics],
    };
  }
}
