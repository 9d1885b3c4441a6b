# What the conformance scripts (allauth/, two_factor/, allauth_2fa/ run.sh) share, sourced by
# each after it has set `here` (its folder), `root` (the repository, the working directory) and
# `venv` (its virtualenv under target/). Sets up:
#   $venv  created from $here/requirements.txt (pinned) on first use or when that file changes
#   $py    the venv's python; $twofold the twofold binary (TWOFOLD=PATH, else target/debug,
#          built if missing); $work a temporary folder; pids+=(PID) servers stopped at exit
#   free_port, wait_http URL
if [ ! -x "$venv/bin/python" ] || [ "$here/requirements.txt" -nt "$venv/.installed" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.installed"
fi
py=$root/$venv/bin/python
twofold="${TWOFOLD:-target/debug/twofold}"
[ -x "$twofold" ] || cargo build --locked -p twofold-cli
twofold=$(cd "$(dirname "$twofold")" && pwd)/$(basename "$twofold")
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {
  for _ in $(seq 200); do
    "$py" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "run.sh: nothing answers at $1" >&2
  return 1
}
