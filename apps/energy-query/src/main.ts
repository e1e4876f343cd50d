import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { EnergyQueryRuntime } from './runtime';

runService({
  name: 'energy-query',
  readConfig,
  createRuntime: (config, logger) => new EnergyQueryRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
