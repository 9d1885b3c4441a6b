#!/usr/bin/env bash
# "Scan screen" on Wayland, with real components only: a headless sway shows a corpus QR image
# as its wallpaper (swaybg), xdg-desktop-portal with its wlroots backend (xdg-desktop-portal-wlr,
# which takes the picture with grim) answers the Screenshot call, and `twofold scan --screen`,
# in a Wayland session with no X server, must print the image's payload.
#
#   tests/wayland-scan.sh
#
# Needs: sway swaybg xdg-desktop-portal xdg-desktop-portal-wlr grim pipewire dbus (Debian; the
# wlr backend will not start without a PipeWire daemon). sway refuses to run as root, so under
# root it runs as `nobody` (setpriv) and everything else stays with the caller.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
for tool in sway swaybg grim pipewire dbus-run-session dbus-update-activation-environment; do
  command -v "$tool" >/dev/null || {
    echo "wayland-scan.sh: '$tool' is missing (scripts/setup.sh installs it)" >&2
    exit 2
  }
done
[ -x /usr/libexec/xdg-desktop-portal-wlr ] || {
  echo "wayland-scan.sh: xdg-desktop-portal-wlr is missing (scripts/setup.sh installs it)" >&2
  exit 2
}

cargo build -p twofold-cli --quiet
img=$root/crates/scan/tests/corpus/images/0001_clean.png
want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["0001_clean.png"]["payloads"][0])' \
  crates/scan/tests/corpus/expected.json)

work=$(mktemp -d)
# The document portal, started with the session, mounts a FUSE file system at
# $XDG_RUNTIME_DIR/doc and may still hold it when the session has ended: unmount it lazily,
# and never let the clean-up decide the result.
cleanup() {
  fusermount3 -u -z "$work/runtime/doc" 2>/dev/null || umount -l "$work/runtime/doc" 2>/dev/null || true
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT
chmod 755 "$work"
cp "$img" "$work/qr.png"
chmod 644 "$work/qr.png"
printf 'output HEADLESS-1 resolution 1280x800 bg %s center #ffffff\n' "$work/qr.png" >"$work/sway.conf"
chmod 644 "$work/sway.conf"
mkdir -m 700 "$work/compositor" "$work/runtime"
as_compositor=()
if [ "$(id -u)" -eq 0 ]; then
  chown 65534:65534 "$work/compositor"
  as_compositor=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# The payload goes to a file: services D-Bus starts write to the session's stdout.
status=0
dbus-run-session -- bash -s -- "$work" "$root" "${as_compositor[@]}" >"$work/session.log" 2>&1 <<'INNER' || status=$?
set -uo pipefail
work=$1 root=$2
shift 2
export XDG_RUNTIME_DIR=$work/runtime
"$@" env HOME="$work/compositor" XDG_RUNTIME_DIR="$work/compositor" WLR_BACKENDS=headless \
  WLR_HEADLESS_OUTPUTS=1 WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman \
  sway -c "$work/sway.conf" >"$work/sway.log" 2>&1 &
sway_pid=$!
trap 'kill $sway_pid $pw_pid 2>/dev/null' EXIT
socket=
for _ in $(seq 100); do
  socket=$(find "$work/compositor" -maxdepth 1 -type s -name 'wayland-*' | head -n 1)
  [ -n "$socket" ] && break
  sleep 0.1
done
[ -n "$socket" ] || { echo "wayland-scan.sh: sway did not start: $(tail -n 3 "$work/sway.log")" >&2; exit 1; }
pipewire >"$work/pipewire.log" 2>&1 &
pw_pid=$!
# What a sway session exports, also to the portal services D-Bus starts on demand.
export WAYLAND_DISPLAY=$socket XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland
dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_RUNTIME_DIR
unset DISPLAY
out=
for _ in $(seq 25); do
  out=$("$root/target/debug/twofold" scan --screen 2>>"$work/scan.err") && break
  sleep 0.2
done
printf '%s' "$out" >"$work/got"
INNER
got=$(cat "$work/got" 2>/dev/null || true)
if [ "$status" -ne 0 ] || [ "$got" != "$want" ]; then
  echo "wayland-scan.sh: twofold scan --screen printed '$got', expected '$want'" >&2
  tail -n 3 "$work/scan.err" "$work/sway.log" "$work/session.log" >&2 2>/dev/null || true
  exit 1
fi
echo "wayland-scan: twofold scan --screen read the QR code through the screenshot portal: ok"
