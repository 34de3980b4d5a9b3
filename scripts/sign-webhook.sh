#!/bin/sh
# Signs a webhook body as a provider does, for trying Reprise's webhook route (docs/webhooks.md).
#
#   scripts/sign-webhook.sh stripe SECRET FILE [TIMESTAMP]    prints a Stripe-Signature value: t=…,v1=…
#   scripts/sign-webhook.sh hmac-sha256 SECRET FILE           prints an X-Reprise-Signature value: sha256=…
#
# The signature covers FILE's bytes exactly: send them unchanged (curl --data-binary @FILE).
# TIMESTAMP (Unix seconds) is now by default; the server refuses one more than 5 minutes away, so
# a fixed one only reproduces a recorded signature.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 stripe|hmac-sha256 SECRET FILE [TIMESTAMP]" >&2; exit 2; }
scheme=$1 secret=$2 file=$3
[ -r "$file" ] || { echo "$0: cannot read $file" >&2; exit 2; }
case $scheme in
stripe)
    t=${4:-$(date +%s)}
    mac=$( { printf '%s.' "$t"; cat "$file"; } | openssl dgst -sha256 -hmac "$secret" -r | cut -d' ' -f1)
    printf 't=%s,v1=%s\n' "$t" "$mac"
    ;;
hmac-sha256)
    mac=$(openssl dgst -sha256 -hmac "$secret" -r < "$file" | cut -d' ' -f1)
    printf 'sha256=%s\n' "$mac"
    ;;
*) echo "$0: the scheme is stripe or hmac-sha256" >&2; exit 2 ;;
esac
