import 'reflect-metadata';
import { runService } from '@voltstream/platform';
import express from 'express';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { BillingCommandRuntime } from './runtime';

runService({
  name: 'billing-command',
  readConfig,
  createRuntime: (config, logger) => new BillingCommandRuntime(config, logger),
  module: (runtime) => AppModule.with(runtime),
  // The provider signs the exact bytes it sends: the webhook gets them unparsed.
  beforeListen: (_runtime, app) => app.use('/webhooks/payments', express.raw({ type: '*/*', limit: '64kb' })),
});
