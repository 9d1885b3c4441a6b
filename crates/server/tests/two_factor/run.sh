#!/usr/bin/env bash
# Conformance of `twofold serve --profile two-factor` with the real django-two-factor-auth and
# django-otp (pinned in requirements.txt beside this file): conformance.py drives both sites at
# once through the HTML flows (register, log in, the setup wizard, backup tokens, the token
# and backup steps, wrong codes, throttling with its delays measured, replay, drift, the login
# timeout, disable), every code from `twofold code`, and compares every exchange (status,
# redirect, wizard step, field and button names, error messages). scripts/test.sh runs it; by
# hand: crates/server/tests/two_factor/run.sh
#   TWOFOLD=PATH   the twofold binary (default target/debug/twofold, built if missing)
#   KEEP=DIR       keep both records (real.json, twofold.json) there
# Installs Django, django-two-factor-auth and django-otp from PyPI into target/two-factor-venv
# (once); both servers listen on free loopback ports with a 12-second login timeout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../../.."
root=$PWD
venv=target/two-factor-venv
. "$here/../conformance-prelude.sh"
started=$(date +%s)
timeout=12
port=$(free_port)
export TWO_FACTOR_TEST_DB="$work/real.sqlite3" TWO_FACTOR_LOGIN_TIMEOUT=$timeout
"$py" "$here/manage.py" migrate -v0
"$py" "$here/manage.py" runserver --noreload "127.0.0.1:$port" >"$work/real.log" 2>&1 &
pids+=($!)
real="http://127.0.0.1:$port"
port=$(free_port)
"$twofold" serve --profile two-factor --login-timeout "$timeout" --light-password-hashing \
  --bind "127.0.0.1:$port" --db "$work/twofold.sqlite3" >"$work/twofold.log" 2>&1 &
pids+=($!)
mine="http://127.0.0.1:$port"
wait_http "$real/account/login/"
wait_http "$mine/account/login/"
status=0
"$py" "$here/conformance.py" run "$real" "$mine" "$twofold" "$work" || status=1
if [ "${KEEP:-}" ]; then cp "$work"/real.json "$work"/twofold.json "$KEEP"/ 2>/dev/null || true; fi
echo "== django-two-factor-auth vs twofold serve --profile two-factor"
"$py" "$here/conformance.py" compare "$work/real.json" "$work/twofold.json" || status=1
echo "conformance run: $(( $(date +%s) - started )) s"
exit $status
