import { databaseUrl, eventually, queryOnce } from '@voltstream/testing';
import { readinessOf, settings } from './energy-api';

const replicaServer = databaseUrl(settings.replicaUrl, 'postgres');

/**
 * Runs `work` with the replica's WAL replay paused, `service` routed to the replica when it
 * starts: a read there without the token's wait cannot show what `work` writes.
 */
export async function withReplicaPaused(service: string, work: () => Promise<void>): Promise<void> {
  await eventually(
    async () =>
      (await readinessOf(service)).body.details['reads']?.['target'] === 'replica' ? true : undefined,
    60_000,
    `${service} reads its replica`,
  );
  await queryOnce(replicaServer, 'SELECT pg_wal_replay_pause()');
  try {
    await work();
  } finally {
    await queryOnce(replicaServer, 'SELECT pg_wal_replay_resume()');
  }
}
