import 'reflect-metadata';
import { runService, useTrustedProxies } from '@voltstream/platform';
import compression from 'compression';
import { readFileSync } from 'node:fs';
import { Server } from 'node:http';
import { AppModule } from './app.module';
import { readConfig } from './config';
import { serveInvoicePdfs } from './invoice-pdf-proxy';
import { GatewayRuntime } from './runtime';
import { apolloServerOf } from './apollo-server-of';

runService({
  name: 'gateway',
  readConfig,
  createRuntime: (config, logger) => {
    let supergraphSdl: string;
    try {
      supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
    } catch {
      throw new Error(`no supergraph at ${config.supergraphPath}: run \`npm run build\` to compose it`);
    }
    return new GatewayRuntime(config, logger, supergraphSdl);
  },
  module: (runtime) => AppModule.with(runtime),
  // Clients get compressed responses; subgraph traffic on the private network stays plain.
  beforeListen: (runtime, app) => {
    // Behind a load balancer, the client's address comes from X-Forwarded-For.
    useTrustedProxies(app, runtime.config.trustProxy);
    app.use(compression());
    const billingQuery = runtime.subgraphs.of('billing-query', 'http://127.0.0.1:4202/graphql');
    serveInvoicePdfs(app, runtime.config, runtime.logger, billingQuery);
    runtime.ide?.serveAssets(app);
  },
  afterListen: (runtime, httpServer, app) =>
    runtime.serveSubscriptions(httpServer as Server, apolloServerOf(app)),
});
