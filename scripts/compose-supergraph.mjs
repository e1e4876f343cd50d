#!/usr/bin/env node
// Composes the supergraph from the subgraphs' checked-in SDL at build time (never by runtime
// introspection, which fails when one subgraph is down: federation#1784). Exits non-zero with
// the composition errors when the subgraphs do not compose.
import { composeServices } from '@apollo/composition';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SUPERGRAPH_OUT = join(root, 'dist/apps/gateway/src/supergraph.graphql');

/** The subgraphs listed in apps/gateway/subgraphs.json, with their checked-in SDL. */
export function checkedInSubgraphs() {
  const subgraphs = JSON.parse(readFileSync(join(root, 'apps/gateway/subgraphs.json'), 'utf8'));
  return subgraphs.map(({ name, schema, url }) => ({
    name,
    url,
    sdl: readFileSync(join(root, schema), 'utf8'),
  }));
}

export function composeSupergraph(subgraphs = checkedInSubgraphs()) {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  if (result.errors?.length) {
    const details = result.errors.map((error) => `  - ${error.message}`).join('\n');
    throw new Error(`supergraph composition failed:\n${details}`);
  }
  return result.supergraphSdl;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const sdl = composeSupergraph();
    mkdirSync(dirname(SUPERGRAPH_OUT), { recursive: true });
    writeFileSync(SUPERGRAPH_OUT, sdl);
    console.log(`supergraph composed: ${SUPERGRAPH_OUT}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
