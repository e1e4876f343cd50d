import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { FeedsCommandRuntime } from './runtime';

runService({
  name: 'feeds-command',
  readConfig,
  createRuntime: (config, logger) => new FeedsCommandRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
