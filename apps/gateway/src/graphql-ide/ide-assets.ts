import { dirname, join } from 'node:path';

/** Where the IDE's files are served from: not under /graphql, which Apollo answers entirely. */
export const IDE_ASSETS_PATH = '/graphql-ide';

/** Served name → file inside an npm package (devDependencies: the IDE is for developers). */
const PACKAGED = {
  'react.js': ['react', 'umd/react.production.min.js'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js'],
  'graphiql.js': ['graphiql', 'graphiql.min.js'],
  'graphiql.css': ['graphiql', 'graphiql.min.css'],
} as const;

/** The IDE's files by the name the page asks for, each an absolute path on this machine. */
export type IdeAssets = ReadonlyMap<string, string>;

/**
 * The files the IDE page loads, all from this machine (no CDN); undefined when the packages are
 * not installed, as in the production image, which installs no devDependencies.
 */
export function findIdeAssets(): IdeAssets | undefined {
  const assets = new Map<string, string>([['graphql-ide.js', join(__dirname, 'graphql-ide.browser.js')]]);
  try {
    for (const [name, [pkg, file]] of Object.entries(PACKAGED)) {
      // React's `exports` hide its UMD builds from require.resolve; its package.json is exported.
      assets.set(name, join(dirname(require.resolve(`${pkg}/package.json`)), file));
    }
  } catch {
    return undefined;
  }
  return assets;
}
