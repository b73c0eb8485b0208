#!/bin/sh
# The single hot endpoints of issue #8 measured by an outside load tool (wrk, Debian's `wrk`):
# the static-asset ceiling, GET /api/v1/threads and GET /api/v1/me with guardian1's bearer
# token, one after the other against the same release server on the school-scale dataset
# (SQLite; seeded by scripts/perf.sh when missing). About a minute.
#
#   scripts/wrk.sh        (DURATION=10s CONNECTIONS=32 THREADS=2 PORT=18201)
set -eu
cd "$(dirname "$0")/.."
BIN=target/release
DIR=/tmp/skolebro-perf-school
URL="sqlite://$DIR/skolebro.db?mode=rwc"
PORT=${PORT:-18201}
mkdir -p "$DIR"
[ -e "$DIR/skolebro.db" ] || $BIN/skolebro-bench seed --scale school --database-url "$URL"
SKOLEBRO_LOG=warn $BIN/skolebro serve --listen "127.0.0.1:$PORT" --data-dir "$DIR" \
    --database-url "$URL" >"$DIR/wrk-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 30); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 1
done
TOKEN=$(curl -sf -H 'content-type: application/json' \
    -d '{"username":"guardian1","password":"demo"}' "http://127.0.0.1:$PORT/api/v1/session" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for path in /static/style.css /api/v1/threads /api/v1/me; do
    echo "## GET $path"
    if [ "$path" = /static/style.css ]; then
        wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-32}" -d"${DURATION:-10s}" --latency \
            "http://127.0.0.1:$PORT$path"
    else
        wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-32}" -d"${DURATION:-10s}" --latency \
            -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$path"
    fi
done
echo "server memory: $(grep -E 'VmRSS|VmHWM' /proc/$SERVER/status | tr -s ' \t' ' ' | tr '\n' ' ')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
