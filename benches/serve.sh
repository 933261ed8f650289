# Sourced by the bench scripts: builds the release binaries (the server and
# the named bench binary), starts `onsite serve` on a free loopback port with
# a temporary data dir and SQLite (ONSITE_LOG=warn), waits for /health, and
# stops it on exit. Sets $root, $bin, $dir, $port and $server. KEEP=1 keeps
# the data dir and logs. BENCH_PG=postgres://user@host:port runs on a fresh
# PostgreSQL database on that server instead (dropped on exit; pool
# ONSITE_DB_POOL_SIZE, default 10).

start_server() {
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    bin=${CARGO_TARGET_DIR:-$root/target}/release
    (cd "$root" && cargo build --release --quiet --bin onsite --bin "$1")

    dir=$(mktemp -d /tmp/onsite-bench.XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export ONSITE_DATA_DIR=$dir
    export ONSITE_BIND=127.0.0.1:$port
    export ONSITE_LOG=${ONSITE_LOG:-warn}
    # The load comes from one loopback address and a few accounts, which the
    # per-address and per-account HTTP limits would stop; the sockets' frame
    # limits stay on (default 50 fixes and 20 chat messages per 10 s each).
    for var in LOGIN_IP LOGIN_ACCOUNT REGISTER_IP CODES_IP CODES_ACCOUNT BOOKINGS CONTACT_IP; do
        export "ONSITE_RATE_$var=${ONSITE_RATE_LIMITS_HTTP:-off}"
    done
    unset ONSITE_DATABASE_URL ONSITE_PUBLIC_URL
    pg_db=
    if [ -n "${BENCH_PG:-}" ]; then
        pg_db=onsite_bench_$$
        psql -q "$BENCH_PG/postgres" -c "CREATE DATABASE $pg_db" >&2
        export ONSITE_DATABASE_URL=$BENCH_PG/$pg_db
    fi

    "$bin/onsite" serve >"$dir/server.log" 2>&1 &
    server=$!
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
}

# The same server again (same address, data dir and database), after it died.
restart_server() {
    wait "$server" 2>/dev/null || true
    "$bin/onsite" serve >>"$dir/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 200); do
        curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        sleep 0.05
    done
    echo "server restarted: pid $server" >&2
}

cleanup() {
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server"
        wait "$server" 2>/dev/null || true
    fi
    if [ -n "${pg_db:-}" ]; then
        psql -q "$BENCH_PG/postgres" -c "DROP DATABASE IF EXISTS $pg_db" >&2 || true
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept $dir (server.log, seed.json, onsite.db, outbox/)" >&2
    else
        rm -rf "$dir"
    fi
}
