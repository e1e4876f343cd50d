import { Module } from '@nestjs/common';
import { EnvReader } from '../config/env-reader';
import { readServiceConfig } from '../config/service-config';
import { ObservabilityModule } from '../health/observability.module';
import { Readiness } from '../health/readiness';
import { ServiceMetrics } from '../metrics/service-metrics';
import { runService } from './run-service';

@Module({})
class SkeletonModule {}

/**
 * A service whose domain is not built yet: it boots, logs, and answers its probes and
 * `/metrics`, so that deployment, scaling and `npm start` already treat it like the others.
 */
export function bootSkeletonService(name: string, defaultPort: number): void {
  runService({
    name,
    readConfig: () => {
      const reader = new EnvReader();
      const service = readServiceConfig(reader, name, defaultPort);
      reader.done();
      return { service };
    },
    createRuntime: () => ({ readiness: new Readiness(), metrics: new ServiceMetrics(name) }),
    module: ({ readiness, metrics }) => ({
      module: SkeletonModule,
      imports: [ObservabilityModule.forService(readiness, metrics)],
    }),
  });
}
