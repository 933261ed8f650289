#!/usr/bin/env bash
# One websocket load run against a fresh release server.
#
#   benches/run-load.sh PAIRS RATE [DURATION] [LOADGEN ARGS...]
#
#   benches/run-load.sh 5000 1 30                 # 5000 pairs, 1 Hz, 30 s
#   benches/run-load.sh 9900 0 0 --connect-only   # idle RSS with 19800 sockets
#
# Builds the release binaries (a no-op when up to date), starts `onsite serve`
# on a free loopback port with a temporary data dir and SQLite (ONSITE_LOG=warn),
# seeds PAIRS customer/provider pairs with confirmed bookings (`onsite
# seed-load`), runs `onsite-loadgen` against it and stops the server. The
# server and the load generator are separate processes, each with the open
# files limit raised to the hard limit. KEEP=1 keeps the data dir and logs.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
pairs=$1
rate=$2
duration=${3:-30}
shift $(($# < 3 ? $# : 3))

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/release
(cd "$root" && cargo build --release --quiet --bin onsite --bin onsite-loadgen)

# Every socket is a file descriptor: 2 x PAIRS on each side.
ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)" >&2

dir=$(mktemp -d /tmp/onsite-load.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ONSITE_DATA_DIR=$dir
export ONSITE_BIND=127.0.0.1:$port
export ONSITE_LOG=${ONSITE_LOG:-warn}
unset ONSITE_DATABASE_URL ONSITE_PUBLIC_URL

"$bin/onsite" serve >"$dir/server.log" 2>&1 &
server=$!
cleanup() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" 2>/dev/null || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $dir (server.log, seed.json, onsite.db)" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    if ! kill -0 "$server" 2>/dev/null; then
        cat "$dir/server.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo "server pid $server on 127.0.0.1:$port, data in $dir" >&2

"$bin/onsite" seed-load --pairs "$pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2

status=0
"$bin/onsite-loadgen" --seed "$dir/seed.json" --rate "$rate" --duration "$duration" \
    --server-pid "$server" "$@" || status=$?

if grep -qiE 'error|panic' "$dir/server.log"; then
    echo "--- server log (errors) ---" >&2
    grep -iE 'error|panic' "$dir/server.log" | sort | uniq -c | sort -rn | head -20 >&2
fi
exit $status
