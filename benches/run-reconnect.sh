#!/usr/bin/env bash
# Mass reconnect: live chat on PAIRS bookings, the server killed with SIGKILL
# mid-run and restarted on the same address; every socket reconnects at once
# and resubscribes with since_seq.
#
#   benches/run-reconnect.sh PAIRS [RATE] [DURATION] [KILL_AFTER]
#
#   benches/run-reconnect.sh 9900 1 30 10    # 19,800 sockets, killed 10 s in
#
# Reports how long the sockets took to resume (from the kill) and fails if
# any acked message was lost, repeated or reordered on the way.
set -euo pipefail

if [ $# -lt 1 ]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
pairs=$1
rate=${2:-1}
duration=${3:-30}
kill_after=${4:-10}

ulimit -n "$(ulimit -Hn)"
# shellcheck source=benches/serve.sh
. "$(dirname "$0")/serve.sh"
start_server onsite-loadgen

"$bin/onsite" seed-load --pairs "$pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2

"$bin/onsite-loadgen" --seed "$dir/seed.json" --rate "$rate" --duration "$duration" \
    --chat --kill-after "$kill_after" --server-pid "$server" --drain 15 &
loadgen=$!
# Restart the server as soon as it is gone (a killed child stays a zombie
# until reaped, so look at its state).
while kill -0 "$loadgen" 2>/dev/null; do
    state=$(awk '{print $3}' "/proc/$server/stat" 2>/dev/null || echo gone)
    if [ "$state" = Z ] || [ "$state" = gone ]; then
        restart_server
    fi
    sleep 0.02
done
status=0
wait "$loadgen" || status=$?
if grep -qiE 'error|panic' "$dir/server.log"; then
    echo "--- server log (errors) ---" >&2
    grep -iE 'error|panic' "$dir/server.log" | sort | uniq -c | sort -rn | head -20 >&2
fi
exit $status
