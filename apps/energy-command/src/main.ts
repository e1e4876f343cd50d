import 'reflect-metadata';
import { bootService, exitOnBootFailure, JsonLogger } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { EnergyCommandRuntime } from './runtime';

const bootLogger = new JsonLogger('energy-command');

async function main(): Promise<void> {
  const config = readConfig();
  const logger = new JsonLogger(config.service.serviceName, config.service.logLevel);
  const runtime = new EnergyCommandRuntime(config, logger);
  await runtime.start();
  await bootService({
    module: AppModule.with(runtime),
    config: config.service,
    logger,
    readiness: runtime.readiness,
    metrics: runtime.metrics,
  });
}

main().catch(exitOnBootFailure(bootLogger));
