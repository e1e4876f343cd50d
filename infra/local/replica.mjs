// The hot-standby read replica, streaming from the local primary (postgres.mjs).
import fs from 'node:fs';
import path from 'node:path';
import { elapsed, InfraError, log, waitUntil } from './processes.mjs';
import { giveToServer, pgTool, psql, SUPERUSER } from './pg-tools.mjs';
import { cluster, clusterPid, prepare, startCluster, stopCluster } from './postgres.mjs';

// A physical slot makes the primary keep WAL while the replica is down, so
// `down replica` + writes + `up replica` resumes streaming instead of failing
// with "requested WAL segment has already been removed".
const SLOT = 'voltstream_replica';

const REPLICA_SETTINGS = {
  // Read-your-writes tests need low lag: let replay cancel a conflicting read
  // after 5 s rather than the default 30 s (hot_standby_feedback keeps conflicts rare).
  max_standby_streaming_delay: '5s',
  // Report replay position every second so the primary's view of lag is current.
  wal_receiver_status_interval: '1s',
};

/** True when the replica folder is a finished base backup of the running primary. */
async function isCopyOf(replica, primary) {
  // pg_basebackup -R writes standby.signal after the data: without it (or
  // PG_VERSION) the folder is half-made or was promoted, and cannot stream.
  if (!['PG_VERSION', 'standby.signal'].every((file) => fs.existsSync(path.join(replica.dir, file))))
    return false;
  // A primary re-created by initdb has a new system identifier; the old copy would never connect.
  const control = await pgTool('pg_controldata', ['-D', replica.dir], { env: { LC_ALL: 'C' } });
  const replicaId = control.stdout.match(/^Database system identifier:\s*(\d+)/m)?.[1];
  return replicaId === (await psql(primary.port, 'select system_identifier from pg_control_system()'));
}

async function baseBackup(replica, primary) {
  // A slot left by an earlier, half-made replica would make `-C` fail.
  await psql(
    primary.port,
    `select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '${SLOT}'`,
  );
  await giveToServer(replica.dir, { dir: true });
  log(`pg_basebackup from 127.0.0.1:${primary.port} into ${replica.dir}`);
  try {
    const options = `-h 127.0.0.1 -p ${primary.port} -U ${SUPERUSER} -R -X stream -C -S ${SLOT} -c fast`;
    await pgTool('pg_basebackup', ['-D', replica.dir, ...options.split(' ')]);
  } catch (error) {
    fs.rmSync(replica.dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * -R wrote the primary's port into primary_conninfo (postgresql.auto.conf);
 * re-point it on every start in case PG_PRIMARY_PORT changed since.
 */
function followPrimaryPort(replica, primary) {
  const file = path.join(replica.dir, 'postgresql.auto.conf');
  const text = fs.readFileSync(file, 'utf8');
  const updated = text.replace(/^(primary_conninfo = '.*\bport=)\d+/m, `$1${primary.port}`);
  if (updated !== text) fs.writeFileSync(file, updated);
}

export async function upReplica() {
  const startedAt = Date.now();
  const replica = cluster('replica');
  const primary = cluster('primary');
  await prepare(replica);
  if (!clusterPid(replica)) {
    if (!clusterPid(primary)) {
      throw new InfraError(
        'the replica streams from the local primary, which is not running: run `up postgres` first',
      );
    }
    if (fs.existsSync(replica.dir) && !(await isCopyOf(replica, primary))) {
      log(`${replica.dir} is incomplete or was copied from an older primary; rebuilding it`);
      fs.rmSync(replica.dir, { recursive: true, force: true });
    }
    if (!fs.existsSync(replica.dir)) await baseBackup(replica, primary);
    followPrimaryPort(replica, primary);
  }
  const reused = await startCluster(replica, REPLICA_SETTINGS);
  // Caught up to where the primary is now, so `up` followed by a read sees
  // every write made while the replica was down.
  const target = await psql(primary.port, 'select pg_current_wal_lsn()');
  await waitUntil(
    async () =>
      (await psql(replica.port, 'select status from pg_stat_wal_receiver')) === 'streaming' &&
      (await psql(replica.port, `select pg_is_in_recovery() and pg_last_wal_replay_lsn() >= '${target}'`)) ===
        't',
    { what: `${replica.label} streaming from the primary`, timeoutMs: 60_000, logFile: replica.logFile },
  );
  log(
    `${replica.label} ${reused ? 'reused' : 'up'} on 127.0.0.1:${replica.port}, streaming (${elapsed(startedAt)})`,
  );
}

export const downReplica = () => stopCluster(cluster('replica'));
