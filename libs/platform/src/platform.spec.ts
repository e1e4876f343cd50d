import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { GraphQLError } from 'graphql';
import { ConfigError, EnvReader } from './config/env-reader';
import { readPostgresConfig } from './config/service-config';
import { withDatabase } from './database/data-source';
import { lsnToBigInt } from './database/read-router';
import { formatGraphQLError } from './graphql/error-format';

describe('configuration', () => {
  it('stops with one message naming every bad or missing setting', () => {
    const reader = new EnvReader({ DATABASE_URL: 'mysql://x', DATABASE_POOL_SIZE: 'many' });
    readPostgresConfig(reader, 'energy_read', true);
    assert.throws(
      () => reader.done(),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /DATABASE_URL must use postgres: or postgresql:/);
        assert.match(error.message, /DATABASE_POOL_SIZE must be an integer/);
        return true;
      },
    );
  });

  it('appends the service database to a server URL, and keeps a named one', () => {
    assert.equal(withDatabase('postgres://u@h:5/', 'energy_read'), 'postgres://u@h:5/energy_read');
    assert.equal(withDatabase('postgres://u@h:5/other', 'energy_read'), 'postgres://u@h:5/other');
  });
});

describe('replica lag', () => {
  it('orders WAL positions numerically', () => {
    assert.ok(lsnToBigInt('1/0') > lsnToBigInt('0/FFFFFFFF'));
    assert.equal(lsnToBigInt('0/10'), 16n);
  });
});

describe('GraphQL error mapping', () => {
  const formatted = (error: GraphQLError) => formatGraphQLError(error.toJSON(), error);

  it('keeps a domain error code and its field errors', () => {
    const domain = DomainError.fromFieldErrors([
      { path: 'readings[0].kwh', code: 'ENERGY.READING_NEGATIVE', message: 'must not be negative' },
    ]);
    const result = formatted(new GraphQLError('x', { originalError: domain }));
    assert.equal(result.extensions?.['code'], 'ENERGY.READING_NEGATIVE');
    assert.deepEqual(result.extensions?.['fieldErrors'], domain.fieldErrors);
  });

  it('hides an unexpected error behind INTERNAL with no detail', () => {
    const leaked: unknown[] = [];
    const sqlError = new Error('relation "meters" does not exist at character 15');
    const result = formatGraphQLError(
      new GraphQLError(sqlError.message, { originalError: sqlError }).toJSON(),
      new GraphQLError(sqlError.message, { originalError: sqlError }),
      (e) => leaked.push(e),
    );
    assert.deepEqual(result, {
      message: 'Internal server error',
      path: undefined,
      extensions: { code: 'INTERNAL' },
    });
    assert.equal(leaked[0], sqlError);
  });

  it('reports invalid documents as BAD_USER_INPUT', () => {
    const result = formatted(
      new GraphQLError('Cannot query field "x"', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    );
    assert.equal(result.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
