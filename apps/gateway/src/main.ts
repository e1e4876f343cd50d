import 'reflect-metadata';
import { bootService, exitOnBootFailure, JsonLogger } from '@voltstream/platform';
import { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { GatewayRuntime } from './runtime';

const bootLogger = new JsonLogger('gateway');

async function main(): Promise<void> {
  const config = readConfig();
  const logger = new JsonLogger(config.service.serviceName, config.service.logLevel);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8').catch(() => {
    throw new Error(`no supergraph at ${config.supergraphPath}: run \`npm run build\` to compose it`);
  });
  const runtime = new GatewayRuntime(config, logger, supergraphSdl);
  const app = await bootService({
    module: AppModule.with(runtime),
    config: config.service,
    logger,
    readiness: runtime.readiness,
    metrics: runtime.metrics,
  });
  runtime.serveSubscriptions(app.getHttpServer() as Server);
}

main().catch(exitOnBootFailure(bootLogger));
