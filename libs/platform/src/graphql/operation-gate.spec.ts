import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getOperationAST, parse } from 'graphql';
import { fieldsNeedingToken } from './operation-gate';

const PUBLIC_FIELDS = new Set(['Mutation.login', 'Query.courses']);
const PUBLIC_ENTITIES = new Set(['Course']);

function refused(source: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(source);
  const operation = getOperationAST(document);
  assert.ok(operation);
  return fieldsNeedingToken(document, operation, variables, PUBLIC_FIELDS, PUBLIC_ENTITIES);
}

describe('operation gate: what an anonymous caller may run', () => {
  it('lets public root fields and __typename through', () => {
    assert.deepEqual(refused('{ courses { id } __typename }'), []);
    assert.deepEqual(refused('mutation { login(email: "a", password: "b") { accessToken } }'), []);
  });

  it('refuses every other root field, however it is spelled', () => {
    assert.deepEqual(refused('{ courses { id } meter(id: "m") { id } }'), ['Query.meter']);
    assert.deepEqual(refused('{ ... on Query { meter(id: "m") { id } } }'), ['Query.meter']);
    assert.deepEqual(refused('{ ...F } fragment F on Query { ... on Query { m: meter(id: "m") { id } } }'), [
      'Query.meter',
    ]);
    assert.deepEqual(refused('mutation { ...F } fragment F on Mutation { logout(refreshToken: "x") }'), [
      'Mutation.logout',
    ]);
  });

  it('lets an entity lookup through only when every representation is of a public type', () => {
    const lookup = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    assert.deepEqual(refused(lookup, { r: [{ __typename: 'Course', id: '1' }] }), []);
    assert.deepEqual(
      refused(lookup, {
        r: [
          { __typename: 'Course', id: '1' },
          { __typename: 'Meter', id: '2' },
        ],
      }),
      ['Query._entities'],
    );
    assert.deepEqual(
      refused('{ _entities(representations: [{__typename: "Meter", id: "2"}]) { __typename } }'),
      ['Query._entities'],
    );
    assert.deepEqual(refused(lookup, { r: [{ id: '1' }] }), ['Query._entities']);
    assert.deepEqual(refused(lookup, { r: 'not a list' }), ['Query._entities']);
  });

  it('treats introspection and the SDL field as needing a token', () => {
    assert.deepEqual(refused('{ _service { sdl } __schema { types { name } } }'), [
      'Query._service',
      'Query.__schema',
    ]);
  });
});
