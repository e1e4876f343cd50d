import { DynamicModule, INestApplication } from '@nestjs/common';
import { ServiceConfig } from '../config/service-config';
import { Readiness } from '../health/readiness';
import { JsonLogger } from '../logging/json-logger';
import { ServiceMetrics } from '../metrics/service-metrics';
import { startInBackground } from './background-start';
import { bootService, exitOnBootFailure } from './bootstrap';

/** What a service's runtime offers its main: probes, metrics, and a start before listening. */
export interface ServiceRuntime {
  readonly readiness: Readiness;
  readonly metrics: ServiceMetrics;
  start?(): Promise<void>;
}

export interface ServiceDefinition<C extends { service: ServiceConfig }, R extends ServiceRuntime> {
  name: string;
  readConfig: () => C;
  createRuntime: (config: C, logger: JsonLogger) => R | Promise<R>;
  module: (runtime: R) => DynamicModule;
  /** Middleware of this service only, added before it listens. */
  beforeListen?: (runtime: R, app: INestApplication) => void;
  /** Work once the HTTP server listens, e.g. attaching a WebSocket server to it. */
  afterListen?: (runtime: R, httpServer: unknown, app: INestApplication) => void;
}

/**
 * A service's whole main: read and validate config (a bad setting ends the process naming it),
 * build the runtime, serve HTTP with probes, metrics and graceful shutdown, and start the
 * runtime in the background: until it has started (its database reachable and migrated),
 * liveness is up and readiness says why it is not ready.
 */
export function runService<C extends { service: ServiceConfig }, R extends ServiceRuntime>(
  definition: ServiceDefinition<C, R>,
): void {
  const bootLogger = new JsonLogger(definition.name);
  const main = async () => {
    const config = definition.readConfig();
    const logger = new JsonLogger(config.service.serviceName, config.service.logLevel);
    const runtime = await definition.createRuntime(config, logger);
    const app = await bootService({
      module: definition.module(runtime),
      config: config.service,
      logger,
      readiness: runtime.readiness,
      metrics: runtime.metrics,
      beforeListen: (app) => definition.beforeListen?.(runtime, app),
    });
    definition.afterListen?.(runtime, app.getHttpServer(), app);
    const start = runtime.start?.bind(runtime);
    if (start) startInBackground(start, runtime.readiness, logger);
  };
  main().catch(exitOnBootFailure(bootLogger));
}
