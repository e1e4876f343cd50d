// A bare Apollo Server with one trivial field, `{ hello }`: the floor any Node GraphQL server
// has on this machine, against which the gateways' `{ __typename }` is compared.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const server = new ApolloServer({
  typeDefs: 'type Query { hello: String! }',
  resolvers: { Query: { hello: () => 'world' } },
  introspection: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
});
process.stdout.write(`bare Apollo Server on ${url}\n`);
process.once('SIGTERM', () => server.stop().finally(() => process.exit(0)));
