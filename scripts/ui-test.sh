#!/usr/bin/env bash
# The operator console in a real browser (Tests/UI/console_test.py): Debian's Chromium, driven
# headless by Playwright from PyPI pointed at that browser (no `playwright install`: it downloads a
# browser of its own), against the built `.build/debug/reprise` (`reprise dev` and `reprise
# server`) on a throwaway PostgreSQL cluster of its own. Screenshots and the servers' logs go to
# .build/ui-artefacts/. scripts/test.sh calls it after the Swift suites.
#   scripts/ui-test.sh                 run the browser test
#   scripts/ui-test.sh --update-docs   also copy the screenshots docs/ui.md shows to docs/ui/
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

reprise="$root/.build/debug/reprise"
[ -x "$reprise" ] || { echo "ui-test: $reprise is missing; run swift build first" >&2; exit 1; }
command -v chromium >/dev/null 2>&1 || { echo "ui-test: chromium is missing; run scripts/install-deps.sh" >&2; exit 1; }

# Playwright's Python package, pinned, in a venv of the project's own (kept between runs).
venv="$root/.build/ui-venv"
playwright_version="1.65.2"
if ! "$venv/bin/python" -c "import playwright, sys; from importlib.metadata import version; sys.exit(version('playwright') != '$playwright_version')" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "playwright==$playwright_version"
fi

artefacts="$root/.build/ui-artefacts"
rm -rf "$artefacts"
mkdir -p "$artefacts"

cluster="$(mktemp -d /tmp/reprise-ui-pg.XXXXXX)"
# Below the ephemeral port range (32768+), as scripts/test.sh picks its cluster's.
pg_port="$((20000 + RANDOM % 10000))"
cleanup() {
    "$root/scripts/postgres.sh" stop "$cluster" >/dev/null || true
    rm -rf "$cluster"
}
trap cleanup EXIT
database_url="$(REPRISE_PG_FSYNC=off scripts/postgres.sh start "$cluster" "$pg_port")"

DATABASE_URL="$database_url" UI_ARTEFACTS="$artefacts" CHROMIUM="$(command -v chromium)" REPRISE_BIN="$reprise" \
    "$venv/bin/python" Tests/UI/console_test.py
echo "ui-test: screenshots and logs in $artefacts"

if [ "${1:-}" = "--update-docs" ]; then
    mkdir -p docs/ui
    for shot in runs runs-filtered run run-chain run-children dead-letters run-live schedules cost token reader-run; do
        cp "$artefacts/$shot.png" "docs/ui/$shot.png"
    done
    echo "ui-test: docs/ui/*.png updated"
fi
