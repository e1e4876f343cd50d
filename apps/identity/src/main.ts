import 'reflect-metadata';
import { runService, useTrustedProxies } from '@voltstream/platform';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { IdentityRuntime } from './runtime';

runService({
  name: 'identity',
  readConfig,
  createRuntime: (config, logger) => new IdentityRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
  // The login throttle counts per client address: the one the gateway forwards.
  beforeListen: (runtime, app) => useTrustedProxies(app, runtime.config.trustProxy),
});
