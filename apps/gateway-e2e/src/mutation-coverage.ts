import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, parse } from 'graphql';

/** The e2e spec, by its base name, and the name of the test in it that reads a mutation's write. */
export interface CoveringTest {
  spec: string;
  test: string;
}

export interface Exemption {
  mutations: RegExp;
  reason: string;
}

/** The supergraph the gateway loads, as `node scripts/build.mjs` composed it beside this file. */
const SUPERGRAPH = join(__dirname, '../../gateway/src/supergraph.graphql');

/** The public `Mutation` fields of the composed supergraph (those not `@inaccessible`). */
export function supergraphMutations(sdl = readFileSync(SUPERGRAPH, 'utf8')): string[] {
  return parse(sdl).definitions.flatMap((definition) =>
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) &&
    definition.name.value === 'Mutation'
      ? (definition.fields ?? [])
          .filter((field) => !field.directives?.some((d) => d.name.value === 'inaccessible'))
          .map((field) => field.name.value)
      : [],
  );
}

/** Whether the compiled spec holds a test of that name (a renamed test leaves the table stale). */
function specHasTest({ spec, test }: CoveringTest): boolean {
  const source = readFileSync(join(__dirname, `${spec}.e2e-spec.js`), 'utf8');
  return source.includes(JSON.stringify(test).slice(1, -1)) || source.includes(test);
}

/**
 * What keeps "every mutation's token is honoured by its reading query" true: each mutation
 * the gateway serves is covered by a test that exists, or exempt with a reason, and the table
 * names no mutation the gateway no longer serves. Empty when it holds.
 */
export function coverageGaps(
  mutations: readonly string[],
  covered: Readonly<Record<string, CoveringTest>>,
  exemptions: readonly Exemption[],
): string[] {
  const served = new Set(mutations);
  const gaps: string[] = [];
  for (const mutation of mutations) {
    const test = covered[mutation];
    const exempt = exemptions.some((exemption) => exemption.mutations.test(mutation));
    if (test && exempt) gaps.push(`${mutation}: both covered and exempt`);
    else if (test && !specHasTest(test)) gaps.push(`${mutation}: no test "${test.test}" in ${test.spec}`);
    else if (!test && !exempt) gaps.push(`${mutation}: neither covered by a token test nor exempt`);
  }
  for (const mutation of Object.keys(covered)) {
    if (!served.has(mutation))
      gaps.push(`${mutation}: in the table, but the supergraph has no such mutation`);
  }
  return gaps;
}
