#!/usr/bin/env bash
# Twofold's Windows build, built and tested here: the CLI and the server cross-built for
# x86_64-pc-windows-gnu with Debian's mingw-w64 and run under Wine, with the same test files as
# on Linux (cargo runs each test binary through Wine); the desktop app compile-checked for the
# same target.
#
#   tests/windows/run.sh          everything below (scripts/test.sh runs it)
#
# What runs under Wine:
#   * the CLI as a process: codes and URIs, bad input, scans of image files, the vault with the
#     passphrase slot, imports and exports, secrets read from files and standard input, crash
#     safety (kill at random moments), concurrent writers (tests/code.rs, scan.rs, vault.rs,
#     import_export.rs, add_once.rs, secrets_on_disk.rs, serve.rs);
#   * the vault with its Credential Manager slot (Wine's advapi32 Cred* functions):
#     vault_keyring.rs's system-neutral tests;
#   * the test server's REST, HTML, QA and hardening suites over loopback;
#   * `twofold scan --screen` through the Windows capture (GDI, xcap) on an Xvfb screen that
#     Wine draws to, while ImageMagick shows a corpus QR code on it.
# Wine 8 (Debian 12) lacks bcryptprimitives.dll's ProcessPrng, which Rust's standard library
# calls at start: tests/windows/bcryptprimitives_shim.c supplies it (a test aid, never shipped).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$HOME/.cargo/bin:$PATH"

TARGET=x86_64-pc-windows-gnu
scripts/apt-install.sh gcc-mingw-w64-x86-64 wine wine64
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"

target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/$TARGET/debug"
mkdir -p "$out/deps"

# A Wine prefix of our own: never the user's, and nothing left behind.
WINEPREFIX="$(mktemp -d)/wine"
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
  wineserver -k 2>/dev/null || true
  rm -rf "$(dirname "$WINEPREFIX")"
}
trap cleanup EXIT
wineboot -i >/dev/null 2>&1 || true

x86_64-w64-mingw32-gcc -O2 -shared -Wl,--kill-at -o "$out/bcryptprimitives.dll" \
  tests/windows/bcryptprimitives_shim.c -ladvapi32
cp "$out/bcryptprimitives.dll" "$out/deps/"

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
# Wine now and then loses a child's exit under the churn of hundreds of short processes and a
# test waits forever (seen once in a fresh-clone run: a process test stuck after its child had
# gone). Each group runs under a time limit and, if it hangs or fails, once more with a fresh
# Wine server: a real failure fails twice.
under_wine() {
  local attempt
  for attempt in 1 2; do
    if timeout 900 "$@"; then return 0; fi
    echo "windows: '$*' failed or hung under Wine (attempt $attempt)" >&2
    wineserver -k 2>/dev/null || true
    wineserver -w 2>/dev/null || true
  done
  return 1
}
cli_tests=(--test code --test scan --test vault --test import_export --test add_once
  --test secrets_on_disk --test serve --test twins)
server_tests=(--test rest_flows --test faces --test hardening)
echo "windows: cross-building the CLI, the server and their tests"
cargo test --locked --target "$TARGET" --no-run -p twofold-cli "${cli_tests[@]}" --test vault_keyring
cargo test --locked --target "$TARGET" --no-run -p twofold-server "${server_tests[@]}"
echo "windows: the CLI under Wine"
under_wine cargo test --locked --target "$TARGET" -p twofold-cli "${cli_tests[@]}"
echo "windows: twofold scan --screen (GDI, through xcap) under Wine on an X screen showing a QR code"
img=crates/scan/tests/corpus/images/0001_clean.png
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["0001_clean.png"]["payloads"][0])' \
  crates/scan/tests/corpus/expected.json)
# shellcheck disable=SC2016
# A Wine server started by the headless steps above draws nowhere (its desktop has no display),
# and GDI then reads nothing: stop it, so this step's Wine starts on the X screen; stop it again
# after, before that screen goes away.
wineserver -k 2>/dev/null || true
wineserver -w 2>/dev/null || true
got=$(xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  display -geometry +200+150 "$2" & pid=$!
  out=""
  for _ in $(seq 40); do
    out=$(wine "$1" scan --screen 2>/dev/null) && break
    sleep 0.3
  done
  kill $pid 2>/dev/null || true
  wineserver -k 2>/dev/null || true
  wineserver -w 2>/dev/null || true
  printf "%s" "$out"' _ "$out/twofold.exe" "$img")
if [ "$got" != "$want" ]; then
  echo "windows: twofold.exe scan --screen printed '$got', expected '$want'" >&2
  exit 1
fi

echo "windows: the vault's Credential Manager slot under Wine"
TWOFOLD_TEST_KEYRING=1 under_wine cargo test --locked --target "$TARGET" -p twofold-cli --test vault_keyring -- \
  --ignored --exact \
  the_first_add_keeps_the_key_in_the_os_keyring_and_later_commands_need_no_prompt \
  a_passphrase_change_or_removal_rotates_the_key_in_the_keyring_too
echo "windows: the test server's suites under Wine"
under_wine cargo test --locked --target "$TARGET" -p twofold-server "${server_tests[@]}"
echo "windows: the desktop app compiles"
cargo check --locked --target "$TARGET" -p twofold-desktop
echo "windows: all passed"
