#!/usr/bin/env bash
# Runs `reprise dev`: server and worker in one process on a private Postgres under .reprise/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product reprise
exec .build/debug/reprise dev "$@"
