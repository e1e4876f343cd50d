import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getOperationAST, parse } from 'graphql';
import { loginEmails } from './login-throttle.plugin';

function emailsOf(source: string, variables: Record<string, unknown> = {}): string[] {
  const document = parse(source);
  const operation = getOperationAST(document);
  assert.ok(operation);
  return loginEmails(document, operation, variables);
}

const LOGIN = (email: string) => `login(email: "${email}", password: "wrong") { accessToken }`;

describe('login emails the throttle counts', () => {
  it('counts a plain and every aliased login', () => {
    assert.deepEqual(emailsOf(`mutation { ${LOGIN('a@x')} b: ${LOGIN('b@x')} }`), ['a@x', 'b@x']);
  });

  it('counts a login in an inline fragment', () => {
    assert.deepEqual(emailsOf(`mutation { ... on Mutation { ${LOGIN('a@x')} } }`), ['a@x']);
  });

  it('counts a login in a named fragment, nested fragments and from variables', () => {
    assert.deepEqual(
      emailsOf(
        `mutation($e: String!) { ...Outer } fragment Outer on Mutation { ...Inner ... on Mutation { login(email: $e, password: "p") { accessToken } } }
         fragment Inner on Mutation { ${LOGIN('a@x')} }`,
        { e: 'v@x' },
      ),
      ['a@x', 'v@x'],
    );
  });

  it('counts nothing in a query, or a mutation without login', () => {
    assert.deepEqual(emailsOf('{ me { id } }'), []);
    assert.deepEqual(emailsOf('mutation { logout(refreshToken: "x") }'), []);
  });
});
