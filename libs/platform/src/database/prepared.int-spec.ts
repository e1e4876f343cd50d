import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createScratchDatabase, ScratchDatabase, testSettings } from '@voltstream/testing';
import { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { queryPrepared } from './prepared';

const settings = testSettings();

describe('queryPrepared (real Postgres)', () => {
  let scratch: ScratchDatabase;
  let db: DataSource;

  before(async () => {
    scratch = await createScratchDatabase(settings.databaseUrl, 'prepared_test');
    db = createDataSource({
      url: scratch.url,
      database: scratch.name,
      applicationName: 'prepared-test',
      // One connection: the statements it prepared are what pg_prepared_statements shows.
      poolSize: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 5_000,
    });
    await db.initialize();
    await db.query('CREATE TABLE readings (id int PRIMARY KEY, kwh numeric NOT NULL)');
    await db.query('INSERT INTO readings SELECT n, n * 0.5 FROM generate_series(1, 10) n');
  });

  after(async () => {
    await db.destroy();
    await scratch.drop();
  });

  it('prepares a statement once per connection, reuses it, and answers as a plain query does', async () => {
    const sql = 'SELECT id, kwh::text AS kwh FROM readings WHERE id > $1 ORDER BY id LIMIT $2';
    const first = await queryPrepared<{ id: number; kwh: string }>(db, sql, [7, 2]);
    const second = await queryPrepared<{ id: number; kwh: string }>(db, sql, [2, 1]);
    assert.deepEqual(first, await db.query(sql, [7, 2]));
    assert.deepEqual(second, [{ id: 3, kwh: '1.5' }]);
    const prepared = await db.query<{ statement: string }[]>(
      "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'vs\\_%'",
    );
    assert.deepEqual(
      prepared.map((row) => row.statement),
      [sql],
    );
  });

  it('gives each text its own statement, and is a plain query inside a transaction', async () => {
    const other = 'SELECT count(*)::int AS n FROM readings WHERE id <= $1';
    assert.deepEqual(await queryPrepared(db, other, [4]), [{ n: 4 }]);
    const inTransaction = await db.transaction((tx) =>
      queryPrepared<{ n: number }>(tx, 'SELECT count(*)::int AS n FROM readings WHERE id >= $1', [9]),
    );
    assert.deepEqual(inTransaction, [{ n: 2 }]);
    const names = await db.query<{ statement: string }[]>(
      "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'vs\\_%' ORDER BY statement",
    );
    assert.equal(names.length, 2, 'the transaction did not prepare its statement');
    assert.ok(names.some((row) => row.statement === other));
  });
});
