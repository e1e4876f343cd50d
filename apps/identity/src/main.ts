import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { IdentityRuntime } from './runtime';

runService({
  name: 'identity',
  readConfig,
  createRuntime: (config, logger) => new IdentityRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
