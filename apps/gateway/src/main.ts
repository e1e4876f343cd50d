import 'reflect-metadata';
import { bootService, exitOnBootFailure, JsonLogger, Readiness, ServiceMetrics } from '@voltstream/platform';
import { readFile } from 'node:fs/promises';
import { AppModule } from './app.module';
import { readConfig } from './config';

const bootLogger = new JsonLogger('gateway');

async function main(): Promise<void> {
  const config = readConfig();
  const logger = new JsonLogger(config.service.serviceName, config.service.logLevel);
  const supergraphSdl = await readFile(config.supergraphPath, 'utf8').catch(() => {
    throw new Error(`no supergraph at ${config.supergraphPath}: run \`npm run build\` to compose it`);
  });
  const readiness = new Readiness();
  const metrics = new ServiceMetrics(config.service.serviceName);
  await bootService({
    module: AppModule.with({ config, logger, readiness, metrics, supergraphSdl }),
    config: config.service,
    logger,
    readiness,
    metrics,
  });
}

main().catch(exitOnBootFailure(bootLogger));
