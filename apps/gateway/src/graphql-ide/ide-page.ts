import { IDE_ASSETS_PATH } from './ide-assets';

/**
 * The page a browser gets for GET /graphql: GraphiQL and its sign-in panel
 * (graphql-ide.browser.js), every script and style from the gateway's own origin.
 */
export function idePage(graphqlPath: string): string {
  const asset = (name: string) => `${IDE_ASSETS_PATH}/${name}`;
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Voltstream GraphQL IDE</title>
    <link rel="stylesheet" href="${asset('graphiql.css')}" />
    <style>
      body { margin: 0; }
      #graphiql { height: 100vh; }
    </style>
  </head>
  <body data-graphql-path="${graphqlPath}">
    <div id="graphiql">Loading…</div>
    <script src="${asset('react.js')}"></script>
    <script src="${asset('react-dom.js')}"></script>
    <script src="${asset('graphiql.js')}"></script>
    <script src="${asset('graphql-ide.js')}"></script>
  </body>
</html>
`;
}
