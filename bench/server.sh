#!/usr/bin/env bash
# MFA login flows per second (password login, then a valid TOTP code) and request latency
# percentiles under wrk at 64 connections: `twofold serve` side by side with django-allauth's
# headless MFA flow served by gunicorn (as many sync workers as cores), one run, same machine.
# Twofold is measured twice: its REST flow (django-jwt-allauth's /login/ + /mfa/verify/, the
# default profile) and `twofold serve --profile allauth` driven by the very same headless
# requests as Django (/_allauth/app/v1/auth/login + auth/2fa/authenticate).
#
#   bench/server.sh             both password-hashing settings (below)
#   bench/server.sh --quick     the like-for-like setting only
#   bench/server.sh --postgres  the REST flow (like-for-like hashing) on one instance on SQLite,
#                               one on PostgreSQL and two on one PostgreSQL database, in one run
#                               (a throw-away cluster: crates/server/tests/postgres/cluster.sh,
#                               fsync on, synchronous_commit off: SQLite's WAL + NORMAL, which
#                               also syncs at checkpoints, not at each commit)
#   DURATION=20 CONNECTIONS=64 bench/server.sh
#
# Password hashing dominates a login, so two settings are measured:
#   default        each side as it ships: Twofold Argon2id 19456 KiB/2 passes/1 lane (OWASP),
#                  Django 5.2's PBKDF2-SHA256 with 1,000,000 iterations;
#   like-for-like  both Argon2id 64 KiB/1 pass/1 lane (Twofold `--light-password-hashing`,
#                  Django's Argon2PasswordHasher with the same parameters, bench/django/benchsite/hashers.py),
#                  so the rest of the flow is what is compared.
# Both sides: SQLite in WAL mode with synchronous=NORMAL, TOTP tolerance ±1 step, replay
# protection on (Twofold: last accepted step per authenticator; allauth: a code once per user in
# the cache), allauth's per-IP login rate limit off (all load comes from 127.0.0.1).
#
# Replay protection refuses a code twice for a user, so each flow logs in a different user of a
# pool enrolled with one secret (bench/server_flow.lua); pools are sized from a short probe run.
# Every response is checked; errors and their statuses are printed, and a run with errors fails.
# Results: target/bench/server.md (table) and target/bench/server-*.txt (wrk output).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --postgres ] && [ -z "${TWOFOLD_TEST_PG:-}" ]; then
  PG_SETTINGS="-c fsync=on -c synchronous_commit=off -c shared_buffers=256MB" \
    exec crates/server/tests/postgres/cluster.sh "$0" "$@"
fi
root=$PWD
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
CORES=$(nproc)
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
PASSWORD=bench-pass-1234
TF_PORT=${TF_PORT:-18461}
TF_PORT2=${TF_PORT2:-18463}
DJ_PORT=${DJ_PORT:-18462}
out=$root/target/bench
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# ---- tools (idempotent) ------------------------------------------------------------------
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v oathtool >/dev/null || need+=(oathtool)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
venv=$out/django-venv
if [ ! -x "$venv/bin/gunicorn" ] || [ bench/django/requirements.txt -nt "$venv/.installed" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r bench/django/requirements.txt
  touch "$venv/.installed"
fi
cargo build --release --locked --bin twofold
BIN=$root/target/release/twofold

# ---- helpers -------------------------------------------------------------------------------
wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "server.sh: nothing listens on port $1" >&2
  return 1
}
# The secret's code for each 30-second step from a minute ago to well after the run.
write_codes() {
  local now step
  now=$(date +%s)
  : > "$work/codes"
  for k in $(seq -2 $(( (DURATION * 4 + 600) / 30 ))); do
    step=$(( now / 30 + k ))
    echo "$step $("$BIN" code --secret "$SECRET" --at $(( step * 30 )))" >> "$work/codes"
  done
}
# run_wrk API PORT USERS SECONDS LABEL -> prints the RESULT line, keeps wrk's output
run_wrk() {
  write_codes
  FLOW_API=$1 FLOW_USERS=$3 FLOW_CODES=$work/codes FLOW_THREADS=$THREADS FLOW_PASSWORD=$PASSWORD \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${4}s" --timeout 10s --latency \
    -s bench/server_flow.lua "http://127.0.0.1:$2" > "$out/server-$5.txt"
  grep '^RESULT' "$out/server-$5.txt"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# The database of the next start_twofold: a new SQLite file, or (TF_BACKEND=postgres) a new
# database on the cluster, with a key file every instance on it shares.
TF_BACKEND=sqlite
fresh_db() {
  rm -f "$work"/tf.sqlite3*
  if [ "$TF_BACKEND" = postgres ]; then
    "$TWOFOLD_TEST_PG_BIN/psql" "$TWOFOLD_TEST_PG" -q -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  fi
}
db_flags() {
  if [ "$TF_BACKEND" = postgres ]; then
    echo --db "${TWOFOLD_TEST_PG%/*}/bench" --key-file "$work/pg.key"
  else
    echo --db "$work/tf.sqlite3"
  fi
}
start_twofold() { # light|default [PROFILE] [PORT]
  local flags=() port=${3:-$TF_PORT}
  [ "$port" = "$TF_PORT" ] && fresh_db
  [ "$1" = light ] && flags=(--light-password-hashing)
  # Tolerance ±1 on every side (allauth's own default is 0; Django's settings here say 1).
  # allauth's rate limits off as in bench/django (ACCOUNT_RATE_LIMITS = False).
  [ -n "${2:-}" ] && flags+=(--profile "$2" --tolerance 1 --no-account-rate-limits)
  # shellcheck disable=SC2046
  "$BIN" serve --bind "127.0.0.1:$port" $(db_flags) "${flags[@]}" > "$work/tf-$port.log" 2>&1 &
  tf_pid=$!
  pids+=("$tf_pid")
  wait_port "$port"
}
stop_twofold() { kill "$tf_pid"; wait "$tf_pid" 2>/dev/null || true; }
twofold_users() { python3 bench/server_users.py "http://127.0.0.1:$TF_PORT" "$1" "$PASSWORD" "$SECRET"; }

start_django() { # light|default, USERS
  rm -f "$work"/dj.sqlite3*
  export BENCH_DJANGO_DB=$work/dj.sqlite3
  if [ "$1" = light ]; then export BENCH_HASHER=argon2 BENCH_ARGON2=64,1,1; else export BENCH_HASHER=default; fi
  (cd bench/django && "$venv/bin/python" manage.py migrate -v0 &&
    "$venv/bin/python" manage.py bench_users --count "$2" --password "$PASSWORD" --secret "$SECRET")
  (cd bench/django && exec "$venv/bin/gunicorn" benchsite.wsgi --workers "$CORES" \
    --bind "127.0.0.1:$DJ_PORT" --log-level warning) > "$work/dj.log" 2>&1 &
  dj_pid=$!
  pids+=("$dj_pid")
  wait_port "$DJ_PORT"
}
stop_django() { kill "$dj_pid"; wait "$dj_pid" 2>/dev/null || true; }

# Pool size for a full run from a short probe: its requests/s ÷ 2 (a flow is two requests) ×
# duration × 1.5, plus a margin. Not the probe's flows/s: a fast server exhausts the probe's own
# pool, and the reused users it then meets are refused (replay, lockout), which undercounts flows.
# A floor (FLOOR users a second, default 0) covers a server whose probe ran slower than the run:
# Django's probe has measured 38 and 87 flows/s in two runs of the same hour.
pool_for() {
  awk -v n="$(field requests "$1")" -v t="$(field seconds "$1")" -v d="$DURATION" -v f="${2:-0}" \
    'BEGIN { p = n / t / 2 * d * 1.5 + 200; if (p < f * d) p = f * d; printf "%d", p }'
}

declare -A R INSIDE
# measure_twofold SETTING FLOW_API PROFILE KEY: a probe for the pool size, then the run.
measure_twofold() {
  local s=$1 flow=$2 profile=$3 key=$4 probe pool
  start_twofold "$s" "$profile"
  twofold_users 400
  probe=$(run_wrk "$flow" "$TF_PORT" 400 2 "$key-$s-probe")
  pool=$(pool_for "$probe")
  stop_twofold
  start_twofold "$s" "$profile"
  echo "$key ($s): creating $pool users"
  twofold_users "$pool"
  R[$key-$s]=$(run_wrk "$flow" "$TF_PORT" "$pool" "$DURATION" "$key-$s")
  echo "${R[$key-$s]}"
  # The server's own handling time of the run's last 1000 requests (its request log), beside
  # wrk's latency, which also holds the queueing of a machine shared with the load generator.
  INSIDE[$key-$s]=$(python3 - "http://127.0.0.1:$TF_PORT/_twofold/log?limit=1000" <<'PY'
import json, sys, urllib.request
d = json.load(urllib.request.urlopen(sys.argv[1]))
us = sorted(e["duration_us"] for e in (d if isinstance(d, list) else d["requests"]))
q = lambda p: us[min(len(us) - 1, int(len(us) * p))] / 1000
print(f"in-server handling of the last {len(us)} requests: p50 {q(.5):.2f} ms, p99 {q(.99):.2f} ms, max {us[-1] / 1000:.2f} ms")
PY
)
  echo "${INSIDE[$key-$s]}"
  stop_twofold
}

measure() { # SETTING
  local s=$1 probe pool
  measure_twofold "$s" twofold "" twofold
  measure_twofold "$s" allauth allauth twofold-headless
  # django-allauth
  start_django "$s" 400
  probe=$(run_wrk allauth "$DJ_PORT" 400 3 "allauth-$s-probe")
  stop_django
  pool=$(pool_for "$probe" 250)
  echo "django-allauth ($s): creating $pool users"
  start_django "$s" "$pool"
  R[allauth-$s]=$(run_wrk allauth "$DJ_PORT" "$pool" "$DURATION" "allauth-$s")
  echo "${R[allauth-$s]}"
  stop_django
}

# Two instances on one PostgreSQL database, each under its own wrk (-t1, half the connections,
# half the user pool), at the same time; flows/s add up, the latencies are the worse of the two.
measure_two() {
  local pool half w ra rb
  TF_BACKEND=postgres
  start_twofold light "" "$TF_PORT"
  local a=$tf_pid
  start_twofold light "" "$TF_PORT2"
  local b=$tf_pid
  # The pool of one PostgreSQL instance's run, twice over.
  pool=$(( $(pool_for "${R[postgres-light]}") * 2 ))
  half=$(( pool / 2 ))
  echo "two instances on PostgreSQL: creating $pool users"
  twofold_users "$pool"
  write_codes
  FLOW_API=twofold FLOW_USERS=$half FLOW_FIRST=0 FLOW_CODES=$work/codes FLOW_THREADS=1 FLOW_PASSWORD=$PASSWORD \
    wrk -t1 -c$(( CONNECTIONS / 2 )) -d"${DURATION}s" --timeout 10s --latency \
    -s bench/server_flow.lua "http://127.0.0.1:$TF_PORT" > "$out/server-postgres2-a.txt" &
  w=$!
  FLOW_API=twofold FLOW_USERS=$half FLOW_FIRST=$half FLOW_CODES=$work/codes FLOW_THREADS=1 FLOW_PASSWORD=$PASSWORD \
    wrk -t1 -c$(( CONNECTIONS / 2 )) -d"${DURATION}s" --timeout 10s --latency \
    -s bench/server_flow.lua "http://127.0.0.1:$TF_PORT2" > "$out/server-postgres2-b.txt"
  wait "$w"
  ra=$(grep '^RESULT' "$out/server-postgres2-a.txt")
  rb=$(grep '^RESULT' "$out/server-postgres2-b.txt")
  R[postgres2-light]=$(awk -v a="$ra" -v b="$rb" 'BEGIN {
    n = split(a, x, " "); for (i = 2; i <= n; i++) { split(x[i], kv, "="); A[kv[1]] = kv[2] }
    n = split(b, y, " "); for (i = 2; i <= n; i++) { split(y[i], kv, "="); B[kv[1]] = kv[2] }
    mx = "p50_ms p90_ms p99_ms p999_ms max_ms seconds"; split(mx, M, " ")
    sm = "requests flows flows_per_s logins errors socket_errors reused_users missing_codes"; split(sm, S, " ")
    out = "RESULT api=twofold"
    for (k in S) out = out " " S[k] "=" (A[S[k]] + B[S[k]])
    for (k in M) out = out " " M[k] "=" (A[M[k]] > B[M[k]] ? A[M[k]] : B[M[k]])
    st = (A["error_statuses"] == "none" ? "" : A["error_statuses"]) (B["error_statuses"] == "none" ? "" : ";" B["error_statuses"])
    print out " error_statuses=" (st == "" ? "none" : st)
  }')
  echo "${R[postgres2-light]}"
  kill "$a" "$b"
  wait "$a" "$b" 2>/dev/null || true
}

if [ "${1:-}" = --postgres ]; then
  TF_BACKEND=sqlite
  measure_twofold light twofold "" sqlite
  TF_BACKEND=postgres
  measure_twofold light twofold "" postgres
  measure_two
  {
    echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $CORES cores, $(date -u +%Y-%m-%d), PostgreSQL $("$TWOFOLD_TEST_PG_BIN/postgres" --version | awk '{print $3}')"
    echo
    echo "| twofold serve (REST flow, Argon2id 64 KiB t=1) | flows/s | requests/s | p50 ms | p90 ms | p99 ms | errors |"
    echo "|---|---|---|---|---|---|---|"
    for k in sqlite postgres postgres2; do
      r=${R[$k-light]}
      case $k in
        sqlite) name="one instance, SQLite" ;;
        postgres) name="one instance, PostgreSQL" ;;
        *) name="two instances, one PostgreSQL database" ;;
      esac
      reqs=$(awk -v n="$(field requests "$r")" -v t="$(field seconds "$r")" 'BEGIN { printf "%.0f", n / t }')
      echo "| $name | $(field flows_per_s "$r") | $reqs | $(field p50_ms "$r") | $(field p90_ms "$r") | $(field p99_ms "$r") | $(field errors "$r") ($(field error_statuses "$r")) |"
    done
    echo
    for k in sqlite postgres; do echo "$k: ${INSIDE[$k-light]}"; echo; done
    a=$(field flows_per_s "${R[postgres2-light]}"); b=$(field flows_per_s "${R[postgres-light]}")
    echo "two instances / one (PostgreSQL): $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')×"
  } > "$out/server-postgres.md"
  cat "$out/server-postgres.md"
  bad=0
  for k in "${!R[@]}"; do
    [ "$(field errors "${R[$k]}")" = 0 ] && [ "$(field socket_errors "${R[$k]}")" = 0 ] || { echo "server.sh: $k had errors" >&2; bad=1; }
  done
  exit $bad
fi

settings=(light default)
[ "${1:-}" = --quick ] && settings=(light)
for s in "${settings[@]}"; do measure "$s"; done

# ---- report --------------------------------------------------------------------------------
{
  echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $CORES cores, $(date -u +%Y-%m-%d)"
  echo
  echo "| server | password hashing | flows/s | requests/s | p50 ms | p90 ms | p99 ms | errors | reused users |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for s in "${settings[@]}"; do
    for api in twofold twofold-headless allauth; do
      r=${R[$api-$s]}
      case $api in
        twofold) name="twofold serve (REST: /login/ + /mfa/verify/)" ;;
        twofold-headless) name="twofold serve --profile allauth (headless app API)" ;;
        *) name="django-allauth + gunicorn ($CORES workers, headless app API)" ;;
      esac
      hash=$([ "$s" = light ] && echo "Argon2id 64 KiB, t=1" || { [ $api != allauth ] && echo "Argon2id 19 MiB, t=2 (default)" || echo "PBKDF2-SHA256 1M (default)"; })
      reqs=$(awk -v n="$(field requests "$r")" -v t="$(field seconds "$r")" 'BEGIN { printf "%.0f", n / t }')
      echo "| $name | $hash | $(field flows_per_s "$r") | $reqs | $(field p50_ms "$r") | $(field p90_ms "$r") | $(field p99_ms "$r") | $(field errors "$r") ($(field error_statuses "$r")) | $(field reused_users "$r") |"
    done
    b=$(field flows_per_s "${R[allauth-$s]}")
    echo
    for api in twofold twofold-headless; do
      a=$(field flows_per_s "${R[$api-$s]}")
      echo "$s: $api/allauth throughput $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "inf" }')×"
      echo
      echo "$s: $api ${INSIDE[$api-$s]}"
      echo
    done
  done
} > "$out/server.md"
cat "$out/server.md"
bad=0
for k in "${!R[@]}"; do
  [ "$(field errors "${R[$k]}")" = 0 ] && [ "$(field socket_errors "${R[$k]}")" = 0 ] || { echo "server.sh: $k had errors" >&2; bad=1; }
done
exit $bad
