#!/usr/bin/env bash
# Runs its arguments inside a private D-Bus session with an unlocked gnome-keyring and a
# throw-away HOME, so tests reach a real Secret Service without touching anyone's keyring.
#
#   tests/with-keyring.sh cargo test -p twofold-cli --test vault_keyring -- --ignored
#   tests/with-keyring.sh --keep-display npm run e2e      (under xvfb-run: keep DISPLAY)
#
# Needs: dbus (dbus-run-session), gnome-keyring, libsecret-tools (secret-tool, for checks).
# Exports TWOFOLD_TEST_KEYRING=1 so tests know they run here. Exit status: the command's.
set -euo pipefail
keep_display=0
if [ "${1:-}" = "--keep-display" ]; then
    # The keyring is unlocked non-interactively below, so no hidden prompt can hang on DISPLAY.
    keep_display=1
    shift
fi
export TWOFOLD_KEEP_DISPLAY=$keep_display
if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon dbus-send; do
    command -v "$tool" >/dev/null || {
        echo "with-keyring.sh: '$tool' is missing: apt-get install dbus gnome-keyring libsecret-tools" >&2
        exit 2
    }
done

exec dbus-run-session -- bash -s -- "$@" <<'INNER'
set -uo pipefail
real_home=$HOME
HOME=$(mktemp -d)
export HOME
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache"
# Cargo and rustup live under the real HOME: keep them reachable.
export CARGO_HOME="${CARGO_HOME:-$real_home/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$real_home/.rustup}"
if [ "${TWOFOLD_KEEP_DISPLAY:-0}" != 1 ]; then unset DISPLAY WAYLAND_DISPLAY; fi
unset TWOFOLD_KEEP_DISPLAY

eval "$(printf %s "${KEYRING_PASSWORD:-twofold-test}" | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
owner() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"
}
for _ in $(seq 1 200); do owner && break; sleep 0.05; done
if ! owner; then
    echo "with-keyring.sh: gnome-keyring did not take org.freedesktop.secrets" >&2
    exit 1
fi
daemon_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null \
    | awk '/uint32/ {print $2}')
cleanup() {
    [ -n "${daemon_pid:-}" ] && kill "$daemon_pid" 2>/dev/null
    rm -rf "$HOME"
}
trap cleanup EXIT
export TWOFOLD_TEST_KEYRING=1
"$@"
INNER
