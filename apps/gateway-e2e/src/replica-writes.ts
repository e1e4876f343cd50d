import assert from 'node:assert/strict';
import {
  BILLING_ACCOUNT_AGGREGATE,
  COURSE_AGGREGATE,
  decodeConsistencyToken,
  ENERGY_AGGREGATE,
  ENROLLMENT_AGGREGATE,
  INVOICE_AGGREGATE,
  TARIFF_AGGREGATE,
  USER_ACTIVITY_AGGREGATE,
  USER_FOLLOWS_AGGREGATE,
} from '@voltstream/contracts';
import { databaseUrl, eventually, queryOnce } from '@voltstream/testing';
import { settings } from './energy-api';

interface VersionLookup {
  database: string;
  sql: string;
  params: (aggregateType: string, aggregateId: string) => unknown[];
}

const byId = (database: string, table: string): VersionLookup => ({
  database,
  sql: `SELECT version FROM ${table} WHERE id = $1`,
  params: (_type, id) => [id],
});

/** feeds-query keeps one version per stream; its ids are lower case. */
const feedsStream: VersionLookup = {
  database: 'feeds_read',
  sql: 'SELECT version FROM aggregate_versions WHERE aggregate_type = $1 AND aggregate_id = $2',
  params: (type, id) => [type, id.toLowerCase()],
};

/** Where each query service's read model keeps the version of an aggregate a token can name. */
const LOOKUPS: Record<string, VersionLookup> = {
  [ENERGY_AGGREGATE]: byId('energy_read', 'meters'),
  [TARIFF_AGGREGATE]: byId('billing_read', 'tariffs'),
  [BILLING_ACCOUNT_AGGREGATE]: byId('billing_read', 'accounts'),
  [INVOICE_AGGREGATE]: byId('billing_read', 'invoices'),
  [COURSE_AGGREGATE]: feedsStream,
  [ENROLLMENT_AGGREGATE]: feedsStream,
  [USER_FOLLOWS_AGGREGATE]: feedsStream,
  [USER_ACTIVITY_AGGREGATE]: feedsStream,
};

/** The version the replica's read model shows for the aggregate a token names; 0 when absent. */
export async function replicaVersionOf(token: string): Promise<number> {
  const write = decodeConsistencyToken(token);
  assert.ok(write, `${token} is a token the API issued`);
  const lookup = LOOKUPS[write.aggregateType];
  assert.ok(lookup, `no read model of ${write.aggregateType} to look at`);
  const rows = await queryOnce<{ version: number }>(
    databaseUrl(settings.replicaUrl, lookup.database),
    lookup.sql,
    lookup.params(write.aggregateType, write.aggregateId),
  );
  return rows[0]?.version ?? 0;
}

/** Proves on the replica itself that a read without the token's wait cannot show the write. */
export async function assertReplicaLacks(token: string, what: string): Promise<void> {
  const write = decodeConsistencyToken(token);
  assert.ok(write, `${token} is a token the API issued`);
  const onReplica = await replicaVersionOf(token);
  assert.ok(
    onReplica < write.version,
    `the replica lacks ${what}: it shows ${write.aggregateType} ${write.aggregateId} at version ${onReplica}, the token names ${write.version}`,
  );
}

/**
 * Waits until the replica's read model shows the token's write, judged on the replica itself and
 * not through a read that honours tokens: the state the next write, with replay paused, builds on.
 */
export async function replicaCatchesUp(token: string): Promise<void> {
  const write = decodeConsistencyToken(token);
  assert.ok(write, `${token} is a token the API issued`);
  await eventually(
    async () => ((await replicaVersionOf(token)) >= write.version ? true : undefined),
    30_000,
    `the replica showing ${write.aggregateType} ${write.aggregateId} at version ${write.version}`,
  );
}
