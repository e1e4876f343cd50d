import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MetricsController } from '../metrics/metrics.controller';
import { ServiceMetrics } from '../metrics/service-metrics';
import { HealthController } from './health.controller';
import { probeVerdicts, Readiness } from './readiness';

/** As long as `/health/ready` gives each probe. */
const PROBE_TIMEOUT_MS = 2000;

/** `/health/live`, `/health/ready` and `/metrics` for a service's own Readiness and metrics. */
@Module({})
export class ObservabilityModule {
  static forService(readiness: Readiness, metrics: ServiceMetrics): DynamicModule {
    metrics.reportReadiness(() => probeVerdicts(readiness, PROBE_TIMEOUT_MS));
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
