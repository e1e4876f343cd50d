import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, print } from 'graphql';
import { entityQueryOf } from './entity-query';

const rewritten = (subscription: string, operationName?: string) => {
  const { query, responseKey } = entityQueryOf(parse(subscription), operationName, 'activity');
  return { query: print(parse(query)), responseKey };
};

describe('the query that reads a subscription event through the supergraph', () => {
  it('asks the entity field by id for the same selection, under the same response key', () => {
    assert.deepEqual(rewritten('subscription Live { feedUpdates { id actor { displayName } } }'), {
      query: print(
        parse(
          'query Live($__liveEntityId: ID!) { feedUpdates: activity(id: $__liveEntityId) { id actor { displayName } } }',
        ),
      ),
      responseKey: 'feedUpdates',
    });
  });

  it('keeps an alias, the variables the selection uses and the fragments it reaches', () => {
    const { query, responseKey } = rewritten(`
      subscription($accountId: ID!, $unused: Int, $n: Int) {
        mine: invoiceUpdates(accountId: $accountId) { ...Invoice }
      }
      fragment Invoice on Invoice { id lines { ...Line } account { meters(first: $n) { id } } }
      fragment Line on InvoiceLine { description }
      fragment Never on Invoice { number }`);
    assert.equal(responseKey, 'mine');
    assert.equal(
      query,
      print(
        parse(`query($__liveEntityId: ID!, $n: Int) { mine: activity(id: $__liveEntityId) { ...Invoice } }
          fragment Invoice on Invoice { id lines { ...Line } account { meters(first: $n) { id } } }
          fragment Line on InvoiceLine { description }`),
      ),
    );
  });

  it('finds the root field inside fragments, and picks the named operation', () => {
    const { query } = rewritten(
      `subscription A { ... on Subscription { ...Root } }
       subscription B { meterReadings(meterId: "x") { at } }
       fragment Root on Subscription { feedUpdates @include(if: true) { id } }`,
      'A',
    );
    assert.equal(
      query,
      print(
        parse(
          'query A($__liveEntityId: ID!) { feedUpdates: activity(id: $__liveEntityId) @include(if: true) { id } }',
        ),
      ),
    );
  });
});
