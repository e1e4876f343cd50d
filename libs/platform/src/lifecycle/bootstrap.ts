import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import { ServiceConfig } from '../config/service-config';
import { Readiness } from '../health/readiness';
import { JsonLogger } from '../logging/json-logger';
import { ServiceMetrics } from '../metrics/service-metrics';

export interface BootOptions {
  module: DynamicModule;
  config: ServiceConfig;
  logger: JsonLogger;
  readiness: Readiness;
  metrics: ServiceMetrics;
  /** Middleware of this service only, added before it listens (e.g. the gateway's compression). */
  beforeListen?: (app: INestApplication) => void;
}

/**
 * Starts a service and owns its shutdown: on SIGTERM readiness goes red first, in-flight
 * requests get `shutdownDrainMs` to finish, then Nest closes every module.
 */
export async function bootService(options: BootOptions): Promise<INestApplication> {
  const { config, logger, readiness, metrics } = options;
  const app = await NestFactory.create<NestExpressApplication>(options.module, { logger, bodyParser: true });
  // Express hashes every response body for an ETag; GraphQL answers POSTs, which no cache
  // revalidates, so that was a SHA-1 over each answer for nothing.
  app.set('etag', false);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    // Label by the path's first segment (/graphql, /health, /metrics): bounded cardinality. Read
    // it now: a mounted handler (Apollo's) rewrites req.url before the response finishes.
    const route = `/${req.originalUrl.split('?')[0]?.split('/')[1] ?? ''}`;
    res.on('finish', () => end({ route, status: String(res.statusCode) }));
    next();
  });
  options.beforeListen?.(app);
  await app.listen(config.port, config.host);
  const server = app.getHttpServer();
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 60_000);
  logger.event('info', 'service listening', { url: `http://${config.host}:${config.port}` });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.event('info', 'shutting down', { signal, drainMs: config.shutdownDrainMs });
    readiness.startDraining();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return app;
}

/** Boot failures (bad config; not an unreachable database, which start retries) end the process with the reason. */
export function exitOnBootFailure(logger: JsonLogger) {
  return (error: unknown): never => {
    logger.event('error', 'service failed to start', {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exit(1);
  };
}
