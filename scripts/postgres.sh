#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster in a directory of its own.
#   scripts/postgres.sh start DIR PORT       initdb (once) and pg_ctl start; prints the database URL
#   scripts/postgres.sh start-tls DIR PORT   the same, but the server takes only TLS (hostssl in
#                                            pg_hba.conf) with a certificate for localhost and
#                                            127.0.0.1 signed by a CA made here: DIR/tls/ca.crt
#                                            verifies it, DIR/tls/other-ca.crt (another CA) does not
#   scripts/postgres.sh stop DIR             pg_ctl stop (fast: sessions are ended, a checkpoint is written)
#   scripts/postgres.sh crash DIR            pg_ctl stop -m immediate: what a crash does (scripts/chaos)
# Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail

command="${1:?usage: postgres.sh start DIR PORT | start-tls DIR PORT | stop DIR | crash DIR}"
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

# initdb, once.
init_cluster() {
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
            cat "$dir/initdb.log" >&2
            exit 1
        }
    fi
}

# pg_ctl start on PORT, with any further server settings given.
start_cluster() {
    local port="$1"
    shift
    # fsync stays on so commit costs are real, unless REPRISE_PG_FSYNC=off (the test suite's
    # cluster: each test's DROP DATABASE forces an immediate checkpoint, and with fsync on that
    # stalls every commit on a 2-core machine for tens of seconds; the tests assert behaviour, and
    # a killed Postgres process loses nothing either way). REPRISE_PG_MAX_CONNECTIONS: the test
    # suite's cluster takes 2,000 (scripts/test.sh), the whole suite at once having peaked at 1,000.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=${REPRISE_PG_MAX_CONNECTIONS:-500} -c shared_buffers=256MB -c fsync=${REPRISE_PG_FSYNC:-on} $*" \
        start >/dev/null
}

# A CA, another CA, and a server certificate for localhost and 127.0.0.1 signed by the first, once.
make_certificates() {
    local tls="$1"
    command -v openssl >/dev/null 2>&1 || {
        echo "postgres.sh: openssl not found; install it with: apt-get install -y openssl (or scripts/install-deps.sh)" >&2
        exit 1
    }
    [ -f "$tls/server.key" ] && return 0
    mkdir -p "$tls"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    for ca in ca other-ca; do
        openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=Reprise test $ca" -keyout "$tls/$ca.key" -out "$tls/$ca.crt" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    done
    openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 3650 \
        -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    chmod 600 "$tls/server.key"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$tls/server.key" "$tls/server.crt"; fi
}

case "$command" in
start)
    port="${3:?a port is required}"
    init_cluster
    start_cluster "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
start-tls)
    port="${3:?a port is required}"
    init_cluster
    make_certificates "$dir/tls"
    # Only TLS over TCP: a client that does not encrypt is refused ("no encryption").
    printf '%s\n' "local all all trust" "hostssl all all 127.0.0.1/32 trust" "hostssl all all ::1/128 trust" >"$dir/pg_hba.conf"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir/pg_hba.conf"; fi
    start_cluster "$port" -c ssl=on -c ssl_cert_file="$dir/tls/server.crt" -c ssl_key_file="$dir/tls/server.key" -c hba_file="$dir/pg_hba.conf"
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$dir/tls/ca.crt"
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
    echo "usage: postgres.sh start DIR PORT | start-tls DIR PORT | stop DIR | crash DIR" >&2
    exit 2
    ;;
esac
