import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { ApiErrorFilter } from './http/api-error.filter';
import { PaymentSandboxRuntime } from './runtime';

runService({
  name: 'payment-sandbox',
  readConfig,
  createRuntime: (config, logger) => new PaymentSandboxRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
  beforeListen: (runtime, app) =>
    app.useGlobalFilters(new ApiErrorFilter(runtime.logger, app.getHttpAdapter())),
});
