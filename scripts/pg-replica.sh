#!/bin/sh
# A streaming replica of this machine's PostgreSQL 15 (port 5432) on port 5433, under /tmp,
# for `skolebro serve --read-database-url` (docs/performance.md).
#
#   scripts/pg-replica.sh up       make it with pg_basebackup and start it (about a minute)
#   scripts/pg-replica.sh status   replication state as the primary sees it, and the lag
#   scripts/pg-replica.sh down     stop it and delete its directory
#
# The primary needs `wal_level=replica` (Debian's default) and a replication entry in
# pg_hba.conf; `up` adds `host replication all 127.0.0.1/32 trust` when there is none and
# reloads the primary. Run as root (the cluster runs as the `postgres` user).
set -eu
DIR=${PG_REPLICA_DIR:-/tmp/skolebro-pg-replica}
PORT=${PG_REPLICA_PORT:-5433}
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PRIMARY="-h 127.0.0.1 -p 5432 -U postgres"

as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-}" in
up)
    [ "$(psql $PRIMARY -d postgres -Atc 'SHOW wal_level')" != minimal ] || {
        echo "the primary has wal_level=minimal; set it to replica and restart it" >&2
        exit 1
    }
    HBA=$(psql $PRIMARY -d postgres -Atc 'SHOW hba_file')
    if ! grep -Eq '^host[[:space:]]+replication[[:space:]]' "$HBA"; then
        echo "host replication all 127.0.0.1/32 trust" >>"$HBA"
        psql $PRIMARY -d postgres -Atc 'SELECT pg_reload_conf()' >/dev/null
        echo "added a replication entry to $HBA"
    fi
    if [ -e "$DIR" ]; then
        echo "$DIR exists: run '$0 down' first" >&2
        exit 1
    fi
    mkdir -p "$DIR"
    chown postgres:postgres "$DIR"
    chmod 700 "$DIR"
    start=$(date +%s)
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL as it goes.
    as_postgres "$BIN/pg_basebackup" $PRIMARY -D "$DIR" -R -X stream -c fast
    # Debian keeps the configuration outside the data directory: give the replica its own.
    cat >"$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
max_connections = 100
shared_buffers = 128MB
CONF
    echo "host all all 127.0.0.1/32 trust" >"$DIR/pg_hba.conf"
    echo "local all all trust" >>"$DIR/pg_hba.conf"
    chown postgres:postgres "$DIR/postgresql.conf" "$DIR/pg_hba.conf"
    as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/replica.log" -w start
    echo "replica on 127.0.0.1:$PORT in $(( $(date +%s) - start )) s ($(du -sh "$DIR" | cut -f1))"
    psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atc \
        "SELECT 'in recovery: ' || pg_is_in_recovery()"
    ;;
status)
    psql $PRIMARY -d postgres -c \
        "SELECT client_addr, state, sent_lsn, replay_lsn, replay_lag FROM pg_stat_replication"
    ;;
down)
    if [ -f "$DIR/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast -w stop || true
    fi
    rm -rf "$DIR"
    echo "replica stopped and $DIR removed"
    ;;
*)
    echo "usage: $0 up|status|down" >&2
    exit 2
    ;;
esac
