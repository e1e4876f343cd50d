import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { FeedsQueryRuntime } from './runtime';

runService({
  name: 'feeds-query',
  readConfig,
  createRuntime: (config, logger) => new FeedsQueryRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
