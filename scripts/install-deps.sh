#!/usr/bin/env bash
# Installs what the tests, the benchmark and `reprise dev` need from Debian's packages, when it is
# missing: wrk is the benchmark's HTTP load generator (reprise-bench's starts scenario), faketime
# runs a worker whose clock is skewed (ClockSkewTests), openssl makes the certificates of the TLS
# tests' cluster (scripts/postgres.sh start-tls), chromium is the browser the console's test drives
# (scripts/ui-test.sh), and Debian's prometheus package brings promtool, which checks the shipped
# alert rules (deploy/observability/alerts.yml).
set -euo pipefail

missing=()
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v faketime >/dev/null 2>&1 || missing+=(faketime)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "install-deps.sh: missing ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "installing ${missing[*]} from Debian's packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
