#!/usr/bin/env bash
# Websocket load on a real cluster (benches/cluster.sh: PostgreSQL, Redis, N
# release nodes, HAProxy). The load generators connect to the nodes
# directly (as clients the balancer already placed), from 127.0.0.1-16.
#
#   benches/run-cluster-load.sh compare PAIRS RATE DURATION
#       One run, three nodes. First PAIRS pairs and a monitor on node 1
#       (ONE_NODE_MONITOR=0: none), then PAIRS other pairs, each customer on node k, its provider
#       on node k+1 and an admin monitor on node 3: fix-to-customer
#       latency of both, side by side. Each first sends a warm-up fix per
#       booking (its first fix starts the trip: a journaled state change)
#       and measures the steady stream SETTLE (default 15) s after it, once
#       what the wave of first fixes caused (state changes, notifications)
#       has drained; the warm-up wave is reported on its own. scale does the
#       same.
#   benches/run-cluster-load.sh scale NODES PAIRS RATE DURATION
#       PAIRS pairs over NODES nodes, split evenly between generators of at
#       most GEN_PAIRS pairs each (default 8500: 17,000 sockets, under the
#       20,000 open files a process may hold); even, so that they ramp and
#       measure in the same window and none closes its sockets (a burst of
#       disconnects the nodes must process) while the others still
#       measure. PLACE=same keeps a pair on
#       one node, PLACE=cross (default) puts its provider on the next.
#       Reports each generator's line and the nodes' summed RSS.
#   benches/run-cluster-load.sh failover NODES PAIRS RATE DURATION KILL_AFTER
#       Chat at RATE per booking, pairs spread over the nodes (PLACE=same);
#       node 1 is killed with SIGKILL KILL_AFTER s in. Its sockets reconnect
#       to the next node, resume with since_seq and resend what was not
#       acked: kill -> resumed per socket, and nothing lost or repeated.
#
# ONSITE_LEASE_S (default 10) and other ONSITE_* variables reach the nodes.
# KEEP=1 keeps the cluster (its directory is printed) instead of stopping it.
set -euo pipefail

if [ $# -lt 4 ]; then
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
mode=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/target/release
lb_port=${ONSITE_LB_PORT:-18080}
ulimit -n "$(ulimit -Hn)"

case $mode in
    compare) nodes=3 pairs=$1 rate=$2 duration=$3 ;;
    scale) nodes=$1 pairs=$2 rate=$3 duration=$4 ;;
    failover) nodes=$1 pairs=$2 rate=$3 duration=$4 kill_after=${5:?KILL_AFTER} ;;
    *) echo "unknown mode $mode" >&2; exit 2 ;;
esac

(cd "$root" && cargo build --release --quiet --bin onsite --bin onsite-loadgen)
export ONSITE_ADMIN_EMAIL=bench-admin@onsite.test ONSITE_ADMIN_PASSWORD=BenchAdmin123
dir=$(bash "$root/benches/cluster.sh" up "$nodes" | tail -n 1)
cleanup() {
    if [ -n "${KEEP:-}" ]; then
        echo "cluster kept in $dir (bash benches/cluster.sh down $dir)" >&2
    else
        bash "$root/benches/cluster.sh" down "$dir"
    fi
}
trap cleanup EXIT

seed_pairs=$pairs
[ "$mode" = compare ] && seed_pairs=$((2 * pairs))
started=$(date +%s)
ONSITE_DATA_DIR=$dir/data ONSITE_DATABASE_URL=$(cat "$dir/database_url") ONSITE_LOG=warn \
    ONSITE_BIND=127.0.0.1:$((lb_port + 1)) \
    "$bin/onsite" seed-load --pairs "$seed_pairs" --out "$dir/seed.json" --token-ttl-s 7200 >&2
echo "seeded $seed_pairs pairs in $(($(date +%s) - started)) s" >&2

pids=$(for k in $(seq "$nodes"); do cat "$dir/node$k.pid"; done | paste -sd, -)
url() { echo "ws://127.0.0.1:$((lb_port + $1))/ws"; }
# Every node's URL, starting at node `from` and wrapping.
urls_from() {
    local from=$1 k out=""
    for i in $(seq 0 $((nodes - 1))); do
        k=$(((from - 1 + i) % nodes + 1))
        out="$out${out:+,}$(url "$k")"
    done
    echo "$out"
}
customers=$(urls_from 1)
if [ "${PLACE:-$([ "$mode" = failover ] && echo same || echo cross)}" = same ]; then
    providers=$customers
else
    providers=$(urls_from 2)
fi

rss_total() {
    local total=0 k pid
    for k in $(seq "$nodes"); do
        pid=$(cat "$dir/node$k.pid" 2>/dev/null) || continue
        total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
    done
    echo "$((total / 1024)) MiB"
}

# An admin's access token: password, then the sign-in code from the outbox.
admin_token() {
    python3 - "http://127.0.0.1:$((lb_port + 3))" "$dir/data/outbox" <<'PY'
import json, os, re, sys, time, urllib.request
base, outbox = sys.argv[1], sys.argv[2]
email, password = os.environ["ONSITE_ADMIN_EMAIL"], os.environ["ONSITE_ADMIN_PASSWORD"]
def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
challenge = post("/v1/auth/login", {"identifier": email, "password": password})["challenge_id"]
for _ in range(100):
    names = os.listdir(outbox) if os.path.isdir(outbox) else []
    mails = [os.path.join(outbox, f) for f in names if not f.startswith(".")]
    mails = [m for m in mails if "To: " + email in open(m, errors="replace").read()]
    if mails:
        body = open(max(mails, key=os.path.getmtime), errors="replace").read().split("\n\n", 1)[-1]
        code = re.findall(r"\b(\d{6})\b", body)
        if code:
            print(post("/v1/auth/otp/verify", {"challenge_id": challenge, "code": code[0]})["access_token"])
            sys.exit(0)
    time.sleep(0.1)
sys.exit("no sign-in code for the admin in the outbox")
PY
}

case $mode in
    compare)
        token=$(admin_token)
        monitor="$(url 3)?token=$token"
        # The same three roles on one node: an admin monitors there too
        # (ONE_NODE_MONITOR=0 leaves it out).
        one_monitor=()
        [ "${ONE_NODE_MONITOR:-1}" = 0 ] || one_monitor=(--monitor "$(url 1)?token=$token")
        echo "== one node: $pairs pairs, customer, provider${one_monitor:+ and admin monitor} on node 1" >&2
        "$bin/onsite-loadgen" --seed "$dir/seed.json" --clients "$pairs" --rate "$rate" --warmup --settle "${SETTLE:-15}" \
            --duration "$duration" --customer-urls "$(url 1)" --server-pid "$(cat "$dir/node1.pid")" "${one_monitor[@]}"
        echo "== three nodes: $pairs other pairs, customer on node k, provider on node k+1, admin monitor on node 3" >&2
        "$bin/onsite-loadgen" --seed "$dir/seed.json" --skip "$pairs" --clients "$pairs" \
            --rate "$rate" --warmup --settle "${SETTLE:-15}" --duration "$duration" --customer-urls "$customers" \
            --provider-urls "$providers" --server-pid "$pids" --monitor "$monitor"
        ;;
    scale)
        most=${GEN_PAIRS:-8500}
        gens=$(((pairs + most - 1) / most))
        per=$(((pairs + gens - 1) / gens))
        # Every generator ramps at the same time; together at CONNECT_RATE.
        rate_each=$((${CONNECT_RATE:-2000} / gens))
        echo "== $pairs pairs ($((2 * pairs)) sockets) over $nodes nodes, $gens generators" >&2
        for g in $(seq 0 $((gens - 1))); do
            skip=$((g * per))
            n=$((pairs - skip < per ? pairs - skip : per))
            "$bin/onsite-loadgen" --seed "$dir/seed.json" --skip "$skip" --clients "$n" \
                --rate "$rate" --warmup --settle "${SETTLE:-15}" --duration "$duration" --connect-rate "$rate_each" \
                --customer-urls "$customers" --provider-urls "$providers" \
                --server-pid "$pids" >"$dir/gen$g.out" 2>"$dir/gen$g.err" &
        done
        # The nodes' RSS while every socket is open and streaming.
        sleep $((2 * per / rate_each + ${SETTLE:-15} + duration / 2 + 10))
        echo "nodes' RSS mid-run (all $nodes summed): $(rss_total)" >&2
        wait
        for g in $(seq 0 $((gens - 1))); do
            grep -E '^(connected|connections|fixes|latency|server RSS)' "$dir/gen$g.err" | sed "s/^/gen$g: /" >&2
            tail -n 1 "$dir/gen$g.out"
        done
        ;;
    failover)
        "$bin/onsite-loadgen" --seed "$dir/seed.json" --chat --rate "$rate" --duration "$duration" \
            --customer-urls "$customers" --provider-urls "$providers" --server-pid "$pids" \
            --kill-after "$kill_after" --kill-pid "$(cat "$dir/node1.pid")" --drain 10
        ;;
esac
