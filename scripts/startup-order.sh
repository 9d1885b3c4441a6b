#!/usr/bin/env bash
# Writes src-tauri/startup-order.txt: the desktop app's own functions that run from launch until
# a list of 1,000 accounts shows its codes, in the order the linker first had them.
#
# src-tauri/build.rs hands the file to LLD (`--symbol-ordering-file`, release builds for
# x86_64 Linux), which puts those functions together at the head of the executable's code.
# Without it they are spread over nearly all of its 17 MB, and as the kernel maps 64 kB of a
# file around each page touched, the start kept ~10 MB of code resident for ~2 MB run
# (docs/desktop-bench.md, fifteenth run).
#
# The names carry hashes that change with the toolchain and the dependencies: scripts/check-deb.sh
# fails when under 90% of them are still in the build. Run this then, and commit the file.
#
#   scripts/startup-order.sh       (SECONDS_UNDER_VALGRIND=120: how long the app runs under it)
#
# How: the release build (the same profile and features as the .deb) with its link map
# (TWOFOLD_LINK_MAP), launched under Valgrind's callgrind in Xvfb and a private keyring session
# on a 1,000-account vault, stopped after SECONDS_UNDER_VALGRIND; scripts/startup_order.py maps
# the addresses callgrind saw called to the functions' code sections in the map.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "${1:-}" != --inner ]; then
  for tool in xvfb-run dbus-run-session gnome-keyring-daemon node npm; do
    command -v "$tool" >/dev/null || { scripts/setup.sh; break; }
  done
  command -v valgrind >/dev/null || scripts/apt-install.sh valgrind
  npm run --silent build
  TWOFOLD_LINK_MAP=$root/target/release/twofold-desktop.map \
    cargo build --release --locked -p twofold-desktop --bin twofold-desktop
  cargo build --release --locked -p twofold-cli --bin twofold
  exec xvfb-run -a -s "-screen 0 1280x800x24" tests/with-keyring.sh --keep-display "$0" --inner
fi

# --- inside Xvfb and the private keyring session (HOME is a throw-away directory) ---
unset TWOFOLD_PASSPHRASE TWOFOLD_NEW_PASSPHRASE TWOFOLD_PASSPHRASE_FILE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=bench/vault.sh
. bench/vault.sh
make_vault 1000 "$work/v1000.twofold"
mkdir -p "$work/config"

echo "startup-order: the app under callgrind for ${SECONDS_UNDER_VALGRIND:-120} s"
TWOFOLD_VAULT=$work/v1000.twofold TWOFOLD_CONFIG_DIR=$work/config \
  timeout -s INT "${SECONDS_UNDER_VALGRIND:-120}" \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
  target/release/twofold-desktop >"$work/valgrind.log" 2>&1 || true
[ -s "$work/callgrind.out" ] || { cat "$work/valgrind.log" >&2; echo "startup-order: callgrind wrote nothing" >&2; exit 1; }
python3 scripts/startup_order.py make "$work/callgrind.out" target/release/twofold-desktop.map twofold-desktop \
  >src-tauri/startup-order.txt
echo "startup-order: wrote src-tauri/startup-order.txt"
