import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { EnergyCommandRuntime } from './runtime';

runService({
  name: 'energy-command',
  readConfig,
  createRuntime: (config, logger) => new EnergyCommandRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
