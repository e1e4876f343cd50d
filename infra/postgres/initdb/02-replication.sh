#!/usr/bin/env bash
# Run once by the postgres image's entrypoint on a new primary, after 01-databases.sql:
# the role and the physical slot the streaming replica (replica-entrypoint.sh) uses, and a
# pg_hba.conf line letting that role connect for replication from the compose network.
# The slot makes the primary keep WAL while the replica is down, so it resumes instead of
# failing with "requested WAL segment has already been removed" (same as infra/local/replica.mjs).
set -euo pipefail

: "${REPLICATION_USER:=replicator}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
: "${REPLICATION_SLOT:=voltstream_replica}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v user="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" -v slot="$REPLICATION_SLOT" <<'SQL'
CREATE ROLE :"user" WITH LOGIN REPLICATION PASSWORD :'password';
SELECT pg_create_physical_replication_slot(:'slot');
SQL

# The image's catch-all "host all all all ..." line does not cover this: "all" never matches
# the replication pseudo-database, so order does not matter.
echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
