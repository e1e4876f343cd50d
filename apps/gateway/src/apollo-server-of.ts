import { ApolloServer } from '@apollo/server';
import { ApolloGatewayDriver } from '@nestjs/apollo';
import { INestApplication } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { GatewayContext } from './limits/gateway-context';

/** The Apollo Server that Nest's gateway driver started: the one every request goes through. */
export function apolloServerOf(app: INestApplication): ApolloServer<GatewayContext> {
  const module = app.get<GraphQLModule<ApolloGatewayDriver>>(GraphQLModule, { strict: false });
  return module.graphQlAdapter.instance as unknown as ApolloServer<GatewayContext>;
}
