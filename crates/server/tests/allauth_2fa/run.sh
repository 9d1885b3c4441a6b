#!/usr/bin/env bash
# Conformance of `twofold serve --profile allauth-2fa` with the real django-allauth-2fa on
# django-allauth and django-otp (pinned in requirements.txt beside this file, with why those
# versions): conformance.py drives both sites at once (sign-up, setup, backup tokens, login
# through two-factor-authenticate, the reset middleware, throttling through match_token, a
# backup token, remove), every code from `twofold code`, and compares every exchange.
# scripts/test.sh runs it; by hand: crates/server/tests/allauth_2fa/run.sh
#   TWOFOLD=PATH   the twofold binary (default target/debug/twofold, built if missing)
#   KEEP=DIR       keep both records (real.json, twofold.json) there
# Installs the pinned packages from PyPI into target/allauth-2fa-venv (once).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../../.."
root=$PWD
venv=target/allauth-2fa-venv
. "$here/../conformance-prelude.sh"
started=$(date +%s)
port=$(free_port)
export ALLAUTH_2FA_TEST_DB="$work/real.sqlite3"
"$py" "$here/manage.py" migrate -v0
"$py" "$here/manage.py" runserver --noreload "127.0.0.1:$port" >"$work/real.log" 2>&1 &
pids+=($!)
real="http://127.0.0.1:$port"
port=$(free_port)
"$twofold" serve --profile allauth-2fa --light-password-hashing \
  --bind "127.0.0.1:$port" --db "$work/twofold.sqlite3" >"$work/twofold.log" 2>&1 &
pids+=($!)
mine="http://127.0.0.1:$port"
wait_http "$real/accounts/login/"
wait_http "$mine/accounts/login/"
status=0
"$py" "$here/conformance.py" run "$real" "$mine" "$twofold" "$work" || status=1
if [ "${KEEP:-}" ]; then cp "$work"/real.json "$work"/twofold.json "$KEEP"/ 2>/dev/null || true; fi
echo "== django-allauth-2fa vs twofold serve --profile allauth-2fa"
"$py" "$here/conformance.py" compare "$work/real.json" "$work/twofold.json" || status=1
echo "conformance run: $(( $(date +%s) - started )) s"
exit $status
