// Plain @apollo/gateway in a standalone Apollo Server: no plugins, no limits, no persisted
// queries; the only addition is header forwarding (the access token and the consistency and
// correlation headers), so the subgraphs see the same requests as through our gateway. Node's
// own fetch talks to the subgraphs (the default make-fetch-happen costs more per request:
// perf/README.md, "Profile of the gateway on the warm query").
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { readFileSync } from 'node:fs';

const FORWARDED = ['authorization', 'x-consistency-token', 'x-correlation-id'];

class ForwardingDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    for (const name of FORWARDED) {
      const value = context.headers?.[name];
      if (value) request.http.headers.set(name, value);
    }
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH, 'utf8'),
  buildService: ({ url }) => new ForwardingDataSource({ url, fetcher: fetch }),
});
const server = new ApolloServer({ gateway, introspection: false });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
  context: async ({ req }) => ({ headers: req.headers }),
});
process.stdout.write(`@apollo/gateway on ${url}\n`);
process.once('SIGTERM', () => server.stop().finally(() => process.exit(0)));
