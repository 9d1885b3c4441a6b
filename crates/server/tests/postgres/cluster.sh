#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL cluster: PostgreSQL from Debian's packages,
# initdb in a temporary directory, the server on a free loopback port (no other socket), and
# the cluster stopped and deleted at the end, whatever the command does.
#   crates/server/tests/postgres/cluster.sh COMMAND...
# The command finds the server in TWOFOLD_TEST_PG (postgres://twofold:PASSWORD@127.0.0.1:PORT/
# postgres, a superuser; TCP connections need the password, as a team's server would), and
# PostgreSQL's programs (psql, pg_dump) in TWOFOLD_TEST_PG_BIN. The cluster does not fsync
# (tests need no durability); PG_SETTINGS adds or overrides server settings ("-c fsync=on …").
set -euo pipefail
cd "$(dirname "$0")/../../../.."
scripts/apt-install.sh postgresql postgresql-client
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

work=$(mktemp -d)
# initdb refuses to run as root: the cluster then belongs to the postgres system user.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work"; fi
cleanup() {
  as_owner "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" > "$work/pwfile"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$work/pwfile"; fi
as_owner "$bin/initdb" -D "$work/data" -U twofold --pwfile="$work/pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$work' -c max_connections=300 -c fsync=off ${PG_SETTINGS:-}" \
  start >/dev/null
export TWOFOLD_TEST_PG="postgres://twofold:$password@127.0.0.1:$port/postgres"
export TWOFOLD_TEST_PG_BIN="$bin"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
