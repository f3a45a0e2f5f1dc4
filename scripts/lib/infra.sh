# Shared shell functions: start and stop the private PostgreSQL cluster and the dev broker.
# Sourced by scripts/test and scripts/stack; not meant to be run on its own.

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"

# Prints a free TCP port on loopback.
free_port() {
    python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

# Runs a command as the `postgres` user when we are root (the server refuses to run as root).
as_pg_owner() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_postgres DIR [PORT] [extra server options...]: initdb into DIR (if empty) and start it on
# 127.0.0.1. Sets PG_PORT and DATABASE_URL.
start_postgres() {
    local dir="$1"; shift
    local port="${1:-}"; shift || true
    [ -n "$port" ] || port="$(free_port)"
    mkdir -p "$dir"
    if [ "$(id -u)" = "0" ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg_owner "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --lc-collate=C --lc-ctype=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    as_pg_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 $*" start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
    PG_PORT="$port"
    DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export PG_PORT DATABASE_URL
}

# stop_postgres DIR: fast shutdown of the cluster in DIR, if it runs.
stop_postgres() {
    local dir="$1"
    [ -f "$dir/data/postmaster.pid" ] && as_pg_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# start_broker STATE_FILE LOG [extra creditctl broker options...]: starts the dev broker in the
# background and waits for it to write STATE_FILE. Sets BROKER_PID, KAFKA_BOOTSTRAP, BROKER_CONTROL.
start_broker() {
    local state="$1" log="$2"; shift 2
    rm -f "$state"
    "${CREDITCTL:-.build/debug/creditctl}" broker --state-file "$state" "$@" >"$log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 1 300); do
        [ -s "$state" ] && break
        kill -0 "$BROKER_PID" 2>/dev/null || { cat "$log" >&2; echo "dev broker exited" >&2; return 1; }
        sleep 0.1
    done
    [ -s "$state" ] || { cat "$log" >&2; echo "dev broker did not start" >&2; return 1; }
    KAFKA_BOOTSTRAP="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bootstrap"])' "$state")"
    BROKER_CONTROL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["control"])' "$state")"
    export BROKER_PID KAFKA_BOOTSTRAP BROKER_CONTROL
}

# stop_broker: SIGTERM the dev broker and wait for it.
stop_broker() {
    if [ -n "${BROKER_PID:-}" ] && kill -0 "$BROKER_PID" 2>/dev/null; then
        kill -TERM "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    fi
}
