#!/usr/bin/env bash
# The example application, examples/hello, taken the way docs/quickstart.md takes a newcomer: its
# first command, then the package's build and tests, `hello dev` with a workflow run through the
# CLI (hello's own and `reprise`'s), then `migrate`, `server` and `worker` as a deployment runs
# them, on a cluster that takes only TLS. Every command of the quickstart runs here, on throwaway
# PostgreSQL clusters of its own.
# scripts/test.sh calls it. The example is a package of its own with its own .build: its first
# build compiles Reprise and its dependencies again (docs/quickstart.md gives the time).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

cluster="$(mktemp -d /tmp/reprise-hello-pg.XXXXXX)"
# The deployment's database takes only TLS, as a managed Postgres does.
tls_cluster="$(mktemp -d /tmp/reprise-hello-tls.XXXXXX)"
scratch="$(mktemp -d /tmp/reprise-hello-init.XXXXXX)"
# Below the ephemeral port range (32768+), as scripts/test.sh picks its cluster's.
pg_port="$((20000 + RANDOM % 10000))"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    "$root/scripts/postgres.sh" stop "$cluster" || true
    "$root/scripts/postgres.sh" stop "$tls_cluster" || true
    rm -rf "$cluster" "$tls_cluster" "$scratch"
}
trap cleanup EXIT
DATABASE_URL="$(REPRISE_PG_FSYNC=off scripts/postgres.sh start "$cluster" "$pg_port")"
export DATABASE_URL

# Waits until the API at $1 answers, or fails naming the log of the process behind it.
wait_for_api() {
    local address="$1" log="$2"
    for _ in $(seq 1 120); do
        if curl -sf "$address/readyz" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "example-hello: no API at $address after 120 s; its log:" >&2
    cat "$log" >&2
    exit 1
}

# Runs a command and checks that its output holds the text given first.
expect_output() {
    local expected="$1"
    shift
    local output
    output="$("$@")"
    echo "$output"
    grep -qF "$expected" <<<"$output" || { echo "example-hello: expected \"$expected\" from: $*" >&2; exit 1; }
}

echo "== the quickstart's first step, in a scratch directory: the package examples/hello grew from"
(
    cd "$scratch"
    mkdir hello && cd hello
    swift package init --type executable --name hello >/dev/null
    rm Sources/hello/hello.swift && rm -r Tests/helloTests
    mkdir -p Sources/HelloWorkflows Tests/HelloTests
    for directory in Sources/hello Sources/HelloWorkflows Tests/HelloTests; do
        test -d "$root/examples/hello/$directory" || { echo "example-hello: examples/hello has no $directory" >&2; exit 1; }
    done
)

cd "$root/examples/hello"
echo "== build"
start="$(date +%s)"
swift build
echo "example-hello: built in $(($(date +%s) - start)) s"

echo "== test (the mocked activity in memory, and the time-skipping environment on Postgres)"
REPRISE_TEST_DATABASE_URL="$DATABASE_URL" swift test

echo "== hello dev, and a workflow through the CLI"
api_port="$((30000 + RANDOM % 2700))"  # between the test clusters and the ephemeral range
dev_log="$cluster/dev.log"
swift run hello dev --port "$api_port" --database-url "$DATABASE_URL" >"$dev_log" 2>&1 &
pids+=("$!")
wait_for_api "http://127.0.0.1:$api_port" "$dev_log"
grep -q "Workflows: Hello" "$dev_log" || { echo "example-hello: dev did not register Hello:" >&2; cat "$dev_log" >&2; exit 1; }
# `swift run` holds the package's build lock while `dev` runs: the other commands run the built binary.
expect_output "Hello, Ada!" timeout 120 .build/debug/hello workflow execute --address "http://127.0.0.1:$api_port" --type Hello --input '{"name":"Ada"}'
# `reprise` itself is a client of any Reprise server.
if [ ! -x "$root/.build/debug/reprise" ]; then (cd "$root" && swift build --product reprise); fi
expect_output "Hello, Ada!" timeout 120 "$root/.build/debug/reprise" workflow execute --address "http://127.0.0.1:$api_port" --type Hello --input '{"name":"Ada"}'
kill -TERM "${pids[0]}"
wait "${pids[0]}"
pids=()

echo "== deployed: migrate, server and worker on one database that takes only TLS (verify-full), with tokens"
cd "$root"
DATABASE_URL="$(scripts/postgres.sh start-tls "$tls_cluster" "$((pg_port + 1))")"
cd "$root/examples/hello"
case "$DATABASE_URL" in *sslmode=verify-full*) ;; *) echo "example-hello: no verify-full URL: $DATABASE_URL" >&2; exit 1 ;; esac
REPRISE_ADMIN_TOKEN="$(openssl rand -hex 32)"
export REPRISE_ADMIN_TOKEN
.build/debug/hello migrate
api_port="$((30000 + RANDOM % 2700))"
server_log="$cluster/server.log"
.build/debug/hello server --bind "127.0.0.1:$api_port" >"$server_log" 2>&1 &
pids+=("$!")
.build/debug/hello worker >"$cluster/worker.log" 2>&1 &
pids+=("$!")
wait_for_api "http://127.0.0.1:$api_port" "$server_log"
expect_output "Hello, Grace!" timeout 120 .build/debug/hello workflow execute --address "http://127.0.0.1:$api_port" --token "$REPRISE_ADMIN_TOKEN" \
    --type Hello --input '{"name":"Grace"}'
for pid in "${pids[@]}"; do kill -TERM "$pid"; wait "$pid"; done
pids=()
echo "example-hello: passed"
