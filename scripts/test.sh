#!/usr/bin/env bash
# The whole test suite: installs what the tests need, starts a throwaway PostgreSQL cluster,
# builds (debug), runs every test, the quick chaos run, then the quick benchmark. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

cluster="$(mktemp -d /tmp/reprise-test-pg.XXXXXX)"
# Below the ephemeral port range (32768+), so no outgoing connection can hold it.
port="${REPRISE_TEST_PG_PORT:-$((20000 + RANDOM % 10000))}"
cleanup() {
    scripts/postgres.sh stop "$cluster" || true
    rm -rf "$cluster"
}
trap cleanup EXIT

export REPRISE_TEST_DATABASE_URL
# fsync off: the tests assert behaviour, not commit costs (see scripts/postgres.sh). The quick
# benchmark below runs on this cluster too; CI checks that its scenarios run, not its figures.
REPRISE_TEST_DATABASE_URL="$(REPRISE_PG_FSYNC=off REPRISE_PG_MAX_CONNECTIONS=2000 scripts/postgres.sh start "$cluster" "$port")"
echo "test database: $REPRISE_TEST_DATABASE_URL"

swift build --build-tests
# The shipped alert rules parse and their expressions are valid PromQL (docs/observability.md).
promtool check rules deploy/observability/alerts.yml
# The ffmpeg tests load both cores; they run after the others so timing-sensitive engine tests
# do not share the machine with a transcode. The samples transcode too, and run `reprise dev`.
# The fuzz suite loads the machine with 10,000 requests at once; alone, it cannot slow the
# long-poll tests past their clients' 20 s read timeout.
# At most 40 tests at once: every engine test runs a worker and the engine's services, and with
# all of them at once a 2-core machine starves the ones waiting on a run (60 s waits ran out).
swift test --skip-build --skip ActivitiesTests --skip SamplesTests --skip FuzzTests --experimental-maximum-parallelization-width 40
swift test --skip-build --filter FuzzTests
swift test --skip-build --filter ActivitiesTests
swift test --skip-build --filter SamplesTests
# The operator console in headless Chromium, against the built binary (docs/ui.md).
scripts/ui-test.sh
# The example application, examples/hello, and every command of docs/quickstart.md, on a cluster of
# its own. It is a package of its own, so its first build compiles Reprise and its dependencies again.
scripts/example-hello.sh
# Faults across real processes (docs/reliability.md): about a minute, on a cluster of its own.
scripts/chaos --quick
# The quick benchmark: CI checks that every scenario ran, not its timings.
bench="$(mktemp)"
swift run --skip-build reprise-bench --quick --database-url "$REPRISE_TEST_DATABASE_URL" | tee "$bench"
for scenario in replay replay_fanout transcode gateway ceiling throughput latency queries timers timer_burst starts schedules schedules_aligned children list growth memory fairness; do
    grep -q "^{.*\"scenario\":\"$scenario\"" "$bench" || { echo "reprise-bench: scenario $scenario did not run" >&2; exit 1; }
done
rm -f "$bench"
