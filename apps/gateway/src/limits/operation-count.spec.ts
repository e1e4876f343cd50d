import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getOperationAST, parse } from 'graphql';
import { operationCount } from './operation-count';

const countOf = (source: string) => {
  const document = parse(source);
  const operation = getOperationAST(document);
  assert.ok(operation);
  return operationCount(document, operation);
};

describe('operation count for rate limiting', () => {
  it('counts each root field once', () => {
    assert.equal(countOf('{ me { id } myMeters { id } }'), 2);
  });

  it('counts every alias of the same field', () => {
    const logins = Array.from(
      { length: 1000 },
      (_, i) => `l${i}: login(email: "a", password: "b") { accessToken }`,
    );
    assert.equal(countOf(`mutation { ${logins.join(' ')} }`), 1000);
  });

  it('counts root fields hidden in fragments and inline fragments', () => {
    assert.equal(
      countOf(
        'query { ...Both ... on Query { c: me { id } } } fragment Both on Query { a: me { id } b: me { id } }',
      ),
      3,
    );
  });

  it('charges an empty-looking operation at least one', () => {
    assert.equal(countOf('{ __typename }'), 1);
  });
});
