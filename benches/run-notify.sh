#!/usr/bin/env bash
# Notification delivery latency against a fresh release server.
#
#   benches/run-notify.sh [REQUESTS] [PAIRS]
#
#   benches/run-notify.sh 1000 10    # 1000 paid requests, 10 at a time
#
# Starts `onsite serve` (see serve.sh), seeds PAIRS customer/provider pairs
# (`onsite seed-load`), and runs `onsite-notifybench`: each provider keeps an
# unsubscribed websocket open while its customer books and pays again and
# again; it reports commit -> `notification` frame and commit -> mail file.
set -euo pipefail
requests=${1:-1000}
pairs=${2:-10}

# shellcheck source=benches/serve.sh
. "$(dirname "$0")/serve.sh"
start_server onsite-notifybench

"$bin/onsite" seed-load --pairs "$pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2
status=0
"$bin/onsite-notifybench" --seed "$dir/seed.json" --outbox "$dir/outbox" \
    --requests "$requests" --pairs "$pairs" || status=$?
if grep -qiE 'error|panic' "$dir/server.log"; then
    echo "--- server log (errors) ---" >&2
    grep -iE 'error|panic' "$dir/server.log" | sort | uniq -c | sort -rn | head -20 >&2
fi
exit $status
