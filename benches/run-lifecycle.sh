#!/usr/bin/env bash
# Complete booking lives over HTTP at a fixed rate against a fresh release
# server (SQLite, or PostgreSQL with BENCH_PG; see serve.sh).
#
#   benches/run-lifecycle.sh RATE [DURATION] [PAIRS]
#
#   benches/run-lifecycle.sh 200 30          # 200 lives/s for 30 s, SQLite
#   BENCH_PG=postgres://postgres@127.0.0.1:55433 benches/run-lifecycle.sh 200 30
#
# Each life: create, payment intent, confirm, accept, fixes at the door until
# arrived (dwell 1 s here), start, complete. Prints p50/p90/p99/max per call.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
rate=$1
duration=${2:-30}
pairs=${3:-2000}

ulimit -n "$(ulimit -Hn)"
export ONSITE_PROXIMITY_DWELL_S=${ONSITE_PROXIMITY_DWELL_S:-1}
# shellcheck source=benches/serve.sh
. "$(dirname "$0")/serve.sh"
start_server onsite-lifecycle

"$bin/onsite" seed-load --pairs "$pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2

status=0
"$bin/onsite-lifecycle" --seed "$dir/seed.json" --rate "$rate" --duration "$duration" || status=$?
if grep -qiE 'error|panic' "$dir/server.log"; then
    echo "--- server log (errors) ---" >&2
    grep -iE 'error|panic' "$dir/server.log" | sort | uniq -c | sort -rn | head -20 >&2
fi
exit $status
