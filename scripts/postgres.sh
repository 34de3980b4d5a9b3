#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster in a directory of its own.
#   scripts/postgres.sh start DIR PORT   initdb (once) and pg_ctl start; prints the database URL
#   scripts/postgres.sh stop DIR         pg_ctl stop (fast: sessions are ended, a checkpoint is written)
#   scripts/postgres.sh crash DIR        pg_ctl stop -m immediate: what a crash does (scripts/chaos)
# Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail

command="${1:?usage: postgres.sh start DIR PORT | stop DIR}"
dir="${2:?a cluster directory is required}"

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_bin() {
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    else
        ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
    fi
}

bin="$(pg_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: PostgreSQL server binaries not found; install them with: apt-get install -y postgresql" >&2
    exit 1
fi

case "$command" in
start)
    port="${3:?a port is required}"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
    # Enough connections for parallel suites. fsync stays on so commit costs are real, unless
    # REPRISE_PG_FSYNC=off (the test suite's cluster: each test's DROP DATABASE forces an immediate
    # checkpoint, and with fsync on that stalls every commit on a 2-core machine for tens of
    # seconds; the tests assert behaviour, and a killed Postgres process loses nothing either way).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=500 -c shared_buffers=256MB -c fsync=${REPRISE_PG_FSYNC:-on}" \
        start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    ;;
crash)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
*)
    echo "usage: postgres.sh start DIR PORT | stop DIR | crash DIR" >&2
    exit 2
    ;;
esac
