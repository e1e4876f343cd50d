import { Module } from '@nestjs/common';
import { EnvReader } from '../config/env-reader';
import { readServiceConfig } from '../config/service-config';
import { ObservabilityModule } from '../health/observability.module';
import { Readiness } from '../health/readiness';
import { JsonLogger } from '../logging/json-logger';
import { ServiceMetrics } from '../metrics/service-metrics';
import { bootService, exitOnBootFailure } from './bootstrap';

@Module({})
class SkeletonModule {}

/**
 * A service whose domain is not built yet: it boots, logs, and answers its probes and
 * `/metrics`, so that deployment, scaling and `npm start` already treat it like the others.
 */
export function bootSkeletonService(name: string, defaultPort: number): void {
  const bootLogger = new JsonLogger(name);
  const run = async () => {
    const reader = new EnvReader();
    const config = readServiceConfig(reader, name, defaultPort);
    reader.done();
    const logger = new JsonLogger(name, config.logLevel);
    const readiness = new Readiness();
    const metrics = new ServiceMetrics(name);
    await bootService({
      module: { module: SkeletonModule, imports: [ObservabilityModule.forService(readiness, metrics)] },
      config,
      logger,
      readiness,
      metrics,
    });
  };
  run().catch(exitOnBootFailure(bootLogger));
}
