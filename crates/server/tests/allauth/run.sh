#!/usr/bin/env bash
# Conformance of `twofold serve --profile allauth` with the real django-allauth (pinned in
# requirements.txt beside this file): conformance.py runs one client through the whole TOTP
# life cycle against each server, for the app client and for the browser client, and compares
# every exchange (status, error codes and messages, flow ids, JSON shape); then pages_check.py
# drives allauth's HTML pages (/accounts/…) and Twofold's through the reauthentication steps
# and compares each step's status and redirect. scripts/test.sh runs
# it; by hand: crates/server/tests/allauth/run.sh
#   TWOFOLD=PATH   the twofold binary (default target/debug/twofold, built if missing)
# Installs Django and django-allauth from PyPI into target/allauth-venv (once); both servers
# listen on free loopback ports and are started afresh for each client (allauth's rate limits
# live in its per-process cache: a fresh start is a fresh history on both sides).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../../.."
root=$PWD
venv=target/allauth-venv
. "$here/../conformance-prelude.sh"
start_allauth() { # -> $url, pid in $srv
  local port; port=$(free_port)
  export ALLAUTH_TEST_DB="$work/allauth-$1.sqlite3"
  "$py" "$here/manage.py" migrate -v0
  "$py" "$here/manage.py" runserver --noreload "127.0.0.1:$port" >"$work/allauth-$1.log" 2>&1 &
  srv=$!; pids+=("$srv")
  url="http://127.0.0.1:$port"
  wait_http "$url/_allauth/app/v1/config"
}
start_twofold() { # NAME [more flags]
  local port; port=$(free_port)
  "$twofold" serve --profile allauth --trust --issuer Twofold --light-password-hashing "${@:2}" \
    --bind "127.0.0.1:$port" --db "$work/twofold-$1.sqlite3" >"$work/twofold-$1.log" 2>&1 &
  srv=$!; pids+=("$srv")
  url="http://127.0.0.1:$port"
  wait_http "$url/_allauth/app/v1/config"
}
stop() { kill "$srv"; wait "$srv" 2>/dev/null || true; }
status=0
started=$(date +%s)
for client in app browser; do
  start_allauth "$client"
  "$py" "$here/conformance.py" run "$url" "$client" "$twofold" "$work/real-$client.json"
  stop
  start_twofold "$client"
  "$py" "$here/conformance.py" run "$url" "$client" "$twofold" "$work/twofold-$client.json"
  stop
  echo "== $client client: django-allauth vs twofold serve --profile allauth"
  "$py" "$here/conformance.py" compare "$work/real-$client.json" "$work/twofold-$client.json" || status=1
  if [ "${KEEP:-}" ]; then cp "$work"/*-"$client".json "$KEEP"/; fi
done
# The HTML pages' reauthentication, side by side (allauth's own pages under /accounts/ with a
# 4-second ACCOUNT_REAUTHENTICATION_TIMEOUT, twofold serve --reauthentication-timeout 4).
export ALLAUTH_REAUTH_TIMEOUT=4
ALLAUTH_HTML=1 start_allauth html
ALLAUTH_HTML=1 "$py" "$here/pages_check.py" run "$url" "$twofold" "$work/real-html.json"
stop
start_twofold html --reauthentication-timeout "$ALLAUTH_REAUTH_TIMEOUT"
"$py" "$here/pages_check.py" run "$url" "$twofold" "$work/twofold-html.json"
stop
echo "== HTML pages: django-allauth vs twofold serve --profile allauth"
"$py" "$here/pages_check.py" compare "$work/real-html.json" "$work/twofold-html.json" || status=1
if [ "${KEEP:-}" ]; then cp "$work"/*-html.json "$KEEP"/; fi
echo "conformance run: $(( $(date +%s) - started )) s"
exit $status
