import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { BillingQueryRuntime } from './runtime';

runService({
  name: 'billing-query',
  readConfig,
  createRuntime: (config, logger) => new BillingQueryRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
});
