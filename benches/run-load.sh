#!/usr/bin/env bash
# One websocket load run against a fresh release server.
#
#   benches/run-load.sh PAIRS RATE [DURATION] [LOADGEN ARGS...]
#
#   benches/run-load.sh 5000 1 30                 # 5000 pairs, 1 Hz, 30 s, from the first fix
#   benches/run-load.sh 5000 1 30 --warmup        # the same after a warm-up fix (steady state)
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
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
pairs=$1
rate=$2
duration=${3:-30}
shift $(($# < 3 ? $# : 3))

# Every socket is a file descriptor: 2 x PAIRS on each side.
ulimit -n "$(ulimit -Hn)"
echo "open files limit: $(ulimit -n)" >&2

# shellcheck source=benches/serve.sh
. "$(dirname "$0")/serve.sh"
start_server onsite-loadgen

"$bin/onsite" seed-load --pairs "$pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2

status=0
"$bin/onsite-loadgen" --seed "$dir/seed.json" --rate "$rate" --duration "$duration" \
    --server-pid "$server" "$@" || status=$?

if grep -qiE 'error|panic' "$dir/server.log"; then
    echo "--- server log (errors) ---" >&2
    grep -iE 'error|panic' "$dir/server.log" | sort | uniq -c | sort -rn | head -20 >&2
fi
exit $status
