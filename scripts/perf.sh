#!/bin/sh
# One measurement of docs/performance.md: seed a dataset when it is missing, start the release
# server on it, play the load journeys against it with the server's memory, stop the server.
#
#   scripts/perf.sh SCALE BACKEND
#     SCALE    school | municipality | country
#     BACKEND  sqlite | postgres | replica (PostgreSQL with --read-database-url to the replica
#              of scripts/pg-replica.sh on port 5433)
#
# Environment: USERS (signed-in guardians, default 600), DURATION (per journey, default 10s),
# CONCURRENCY (default 32), JOURNEYS (default static,asset,inbox,thread,morning,spike,teacher,
# absence), PORT (default 18200), KEEP=1 leaves the server running (its pid in $DIR/server.pid).
# Data: SQLite in /tmp/skolebro-perf-SCALE/, PostgreSQL database skolebro_perf_SCALE on
# 127.0.0.1:5432. Remove them with `scripts/perf.sh clean`.
# Needs: cargo build --release -p skolebro -p skolebro-bench
set -eu
cd "$(dirname "$0")/.."
BIN=target/release
PG=postgres://postgres@127.0.0.1:5432
REPLICA=postgres://postgres@127.0.0.1:5433
SCALE=${1:-}
BACKEND=${2:-sqlite}
if [ "$SCALE" = clean ]; then
    rm -rf /tmp/skolebro-perf-school /tmp/skolebro-perf-municipality /tmp/skolebro-perf-country
    for s in school municipality country; do
        psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS skolebro_perf_$s" || true
    done
    exit 0
fi
case "$SCALE" in
school) SCHOOLS=1 ;;
municipality) SCHOOLS=50 ;;
country) SCHOOLS=1100 ;;
*) echo "usage: $0 school|municipality|country [sqlite|postgres|replica] | clean" >&2; exit 2 ;;
esac
DIR=/tmp/skolebro-perf-$SCALE
mkdir -p "$DIR"
case "$BACKEND" in
sqlite)
    URL="sqlite://$DIR/skolebro.db?mode=rwc"
    [ -e "$DIR/skolebro.db" ] || timeout 1800 $BIN/skolebro-bench seed --scale "$SCALE" --database-url "$URL"
    READ=""
    ;;
postgres | replica)
    DB=skolebro_perf_$SCALE
    URL="$PG/$DB"
    if [ -z "$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
        psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $DB"
        timeout 3600 $BIN/skolebro-bench seed --scale "$SCALE" --database-url "$URL"
    fi
    READ=""
    if [ "$BACKEND" = replica ]; then
        READ="$REPLICA/$DB"
        # The replica must have caught up with the seed before it serves.
        for _ in $(seq 1 120); do
            psql -h 127.0.0.1 -p 5433 -U postgres -d "$DB" -Atc "SELECT 1 FROM school LIMIT 1" >/dev/null 2>&1 && break
            sleep 1
        done
    fi
    ;;
*) echo "backend: sqlite, postgres or replica" >&2; exit 2 ;;
esac
PORT=${PORT:-18200}
SKOLEBRO_LOG=warn $BIN/skolebro serve --listen "127.0.0.1:$PORT" --data-dir "$DIR" \
    --database-url "$URL" ${READ:+--read-database-url "$READ"} \
    --message-sends-per-minute 0 --absence-reports-per-minute 0 >"$DIR/server.log" 2>&1 &
SERVER=$!
echo $SERVER >"$DIR/server.pid"
for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done
echo "# $SCALE on $BACKEND${READ:+ with the replica}: server pid $SERVER"
status=0
timeout 1200 $BIN/skolebro-bench load --base-url "http://127.0.0.1:$PORT" --schools "$SCHOOLS" \
    --users "${USERS:-600}" --concurrency "${CONCURRENCY:-32}" --duration "${DURATION:-10s}" \
    --server-pid "$SERVER" \
    --journeys "${JOURNEYS:-static,asset,inbox,thread,morning,spike,teacher,absence}" || status=$?
if [ "${KEEP:-0}" != 1 ]; then
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null || true
fi
exit $status
