#!/usr/bin/env bash
# OpenAPI conformance of the test server: schemathesis (from PyPI, in a throwaway venv under
# target/) with `--checks all` against a fresh `twofold serve`'s /openapi.json must report no
# failure. scripts/test.sh runs it; by hand: crates/server/tests/schemathesis/run.sh
#   MAX_EXAMPLES=N   test cases per operation (default 40; the run takes about a minute)
#   TWOFOLD=PATH     the twofold binary (default target/debug/twofold, built if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../../.."
venv=target/schemathesis-venv
# Pinned: a newer schemathesis may add checks; bump it here on purpose.
version=4.32.5
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis==$version"
fi
twofold="${TWOFOLD:-target/debug/twofold}"
[ -x "$twofold" ] || cargo build --locked -p twofold-cli
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# Every failed login counts against the client (all of schemathesis is one client): a throttle
# it cannot reach, so that the login operation is tested, not the throttle.
"$twofold" serve --bind 127.0.0.1:0 --light-password-hashing --login-throttle 1000000/1s \
  --db "$work/server.sqlite3" >"$work/out" 2>"$work/err" &
server=$!
for _ in $(seq 100); do grep -q "http://" "$work/out" 2>/dev/null && break; sleep 0.1; done
url="$(sed -n 's/.*\(http:\/\/[^ ]*\).*/\1/p' "$work/out")"
[ -n "$url" ] || { echo "twofold serve did not start:"; cat "$work/err"; exit 1; }
cd "$work"
timeout 600 "$OLDPWD/$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" \
  run "$url/openapi.json" --checks all --max-examples "${MAX_EXAMPLES:-40}" --workers 1 \
  --seed "${SEED:-1}" --no-color
