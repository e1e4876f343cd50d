import { ApolloServerPlugin } from '@apollo/server';
import { INestApplication } from '@nestjs/common';
import { JsonLogger } from '@voltstream/platform';
import type { Express, Request, Response } from 'express';
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
export function graphqlIde(graphqlPath: string, logger: JsonLogger): GraphqlIde | undefined {
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
    serveAssets: (app) => serveAssets(app, assets),
  };
}

function serveAssets(app: INestApplication, assets: IdeAssets): void {
  const express = app.getHttpAdapter().getInstance() as Express;
  express.get(`${IDE_ASSETS_PATH}/:name`, (req: Request, res: Response) => {
    const file = assets.get(String(req.params['name']));
    if (!file) {
      res.status(404).end();
      return;
    }
    res.sendFile(file, { maxAge: '1h' });
  });
}
