import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphQLError, Kind, OperationDefinitionNode, parse } from 'graphql';
import { DEFAULT_LIMITS, enforceLimits, measureOperation } from './operation-limits';

const measure = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return measureOperation(document, operation, variables);
};

describe('operation limits', () => {
  it('measures depth through fragments, aliases, and cost multiplied by first', () => {
    const shape = measure(
      `query($n: Int) { meter(id: "x") { ...M } mine: myMeters { id } }
       fragment M on Meter { consumption(from: "a", to: "b", granularity: DAY, first: $n) { nodes { kwh } } }`,
      { n: 50 },
    );
    // meter(1) + consumption(1) + nodes(50) + kwh(50) + myMeters(1) + id(1)
    assert.deepEqual(shape, { depth: 4, aliases: 1, cost: 104 });
  });

  it('refuses a query 50 levels deep', () => {
    const deep = `{ ${'a { '.repeat(50)}b${' }'.repeat(50)} }`;
    assert.throws(
      () => enforceLimits(measure(deep), DEFAULT_LIMITS),
      (error: unknown) => {
        assert.ok(error instanceof GraphQLError);
        assert.equal(error.extensions['limit'], 'depth');
        return true;
      },
    );
  });

  it('refuses 1000 aliases and a first of 100000', () => {
    const aliases = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    assert.throws(() => enforceLimits(measure(aliases), DEFAULT_LIMITS), /alias count is 1000/);
    const huge =
      '{ meter(id: "x") { consumption(from: "a", to: "b", granularity: DAY, first: 100000) { nodes { kwh start } } } }';
    assert.throws(() => enforceLimits(measure(huge), DEFAULT_LIMITS), /cost is 300002/);
  });

  it('does not loop on a fragment that spreads itself', () => {
    assert.equal(measure('{ me { ...F } } fragment F on User { id ...F }').depth, 2);
  });
});
