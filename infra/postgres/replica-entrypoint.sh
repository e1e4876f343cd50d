#!/usr/bin/env bash
# Entrypoint of the streaming read replica (postgres image). On an empty data directory it
# clones the primary with pg_basebackup -R (which writes standby.signal and primary_conninfo)
# over the slot 02-replication.sh created, then runs postgres as a hot standby.
# A replica copied from an older primary cannot stream from a re-created one: remove both
# volumes together (`docker compose down -v`).
set -euo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
: "${PRIMARY_HOST:=postgres}"
: "${PRIMARY_PORT:=5432}"
: "${REPLICATION_USER:=replicator}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
: "${REPLICATION_SLOT:=voltstream_replica}"

if [ "$(id -u)" = '0' ]; then
  # Like the image's own entrypoint: fix ownership as root, then continue as postgres.
  mkdir -p "$PGDATA"
  chown -R postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ] || [ ! -f "$PGDATA/standby.signal" ]; then
  echo "replica: waiting for the primary at ${PRIMARY_HOST}:${PRIMARY_PORT}"
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" -d postgres; do
    sleep 1
  done
  # A half-made copy (no PG_VERSION or no standby.signal) is started over.
  find "$PGDATA" -mindepth 1 -delete
  echo "replica: pg_basebackup from ${PRIMARY_HOST}:${PRIMARY_PORT} over slot ${REPLICATION_SLOT}"
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup \
    -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPLICATION_USER" \
    -D "$PGDATA" -R -X stream -S "$REPLICATION_SLOT" -c fast
  chmod 700 "$PGDATA"
fi

# A hot standby needs max_connections (and the other max_* settings) >= the primary's.
exec postgres \
  -c hot_standby=on \
  -c hot_standby_feedback=on \
  -c max_connections=300 \
  -c shared_buffers=256MB \
  -c max_standby_streaming_delay=5s \
  -c wal_receiver_status_interval=1s \
  "$@"
