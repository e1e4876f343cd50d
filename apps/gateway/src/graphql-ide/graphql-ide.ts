import { ApolloServerPlugin } from '@apollo/server';
import { INestApplication } from '@nestjs/common';
import { JsonLogger } from '@voltstream/platform';
import type { Express, Request, Response } from 'express';
import { GraphQLSchema, printSchema } from 'graphql';
import { findIdeAssets, IDE_ASSETS_PATH, IdeAssets } from './ide-assets';
import { idePage } from './ide-page';

/**
 * The GraphQL IDE developers open in a browser (development mode only): Apollo answers a browser's
 * GET on the GraphQL path with the page, and Express serves the page's files.
 */
export interface GraphqlIde {
  plugin: ApolloServerPlugin;
  serveAssets(app: INestApplication): void;
}

/** Undefined when the IDE's packages are not installed: the API works without it. */
export function graphqlIde(
  graphqlPath: string,
  logger: JsonLogger,
  schema: () => GraphQLSchema | undefined,
): GraphqlIde | undefined {
  const assets = findIdeAssets();
  if (!assets) {
    logger.event('warn', 'GraphQL IDE not served: its packages are not installed (devDependencies)', {
      packages: ['graphiql', 'react', 'react-dom'],
    });
    return undefined;
  }
  const html = idePage(graphqlPath);
  return {
    plugin: {
      serverWillStart: async () => ({ renderLandingPage: async () => ({ html }) }),
    },
    serveAssets: (app) => serveAssets(app, assets, schema),
  };
}

function serveAssets(
  app: INestApplication,
  assets: IdeAssets,
  schema: () => GraphQLSchema | undefined,
): void {
  const express = app.getHttpAdapter().getInstance() as Express;
  // The schema the gateway serves, subscriptions included: GraphiQL's own introspection query is
  // deeper (15) than the gateway's depth limit (12), and introspection shows no Subscription type.
  express.get(`${IDE_ASSETS_PATH}/schema.graphql`, (_req: Request, res: Response) => {
    const current = schema();
    if (!current) {
      res.status(503).end();
      return;
    }
    res.type('text/plain').send(printSchema(current));
  });
  express.get(`${IDE_ASSETS_PATH}/:name`, (req: Request, res: Response) => {
    const file = assets.get(String(req.params['name']));
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(file, { maxAge: '1h' });
  });
}
