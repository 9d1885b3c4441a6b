#!/usr/bin/env bash
# The scanner's screen path under a virtual X server:
#  1. `cargo test -p twofold-scan --test screen`: draws a QR code in an X window (x11rb) and finds
#     it with `twofold_scan::screen::scan_screen` (X11 GetImage);
#  2. `twofold scan --screen` while ImageMagick's `display` shows a corpus image.
#
#   tests/screen-scan.sh
#
# Needs xvfb-run (Debian xvfb + xauth) and, for step 2, `display` (Debian imagemagick).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v xvfb-run >/dev/null || { echo "screen-scan.sh: xvfb-run missing (apt-get install xvfb xauth)" >&2; exit 2; }
# No session bus inside: the portal is unavailable and X11 capture is used.
unset DBUS_SESSION_BUS_ADDRESS WAYLAND_DISPLAY
xvfb-run -a -s "-screen 0 1280x800x24" cargo test -p twofold-scan --test screen -- --nocapture

if command -v display >/dev/null; then
  cargo build -p twofold-cli --quiet
  img=crates/scan/tests/corpus/images/0001_clean.png
  want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["0001_clean.png"]["payloads"][0])' \
    crates/scan/tests/corpus/expected.json)
  # shellcheck disable=SC2016
  got=$(xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    display -geometry +200+150 "$1" & pid=$!
    for _ in $(seq 50); do
      out=$(target/debug/twofold scan --screen 2>/dev/null) && break
      sleep 0.2
    done
    kill $pid 2>/dev/null || true
    printf "%s" "${out:-}"' _ "$img")
  if [ "$got" != "$want" ]; then
    echo "screen-scan.sh: twofold scan --screen printed '$got', expected '$want'" >&2
    exit 1
  fi
  echo "twofold scan --screen: ok"
else
  echo "screen-scan.sh: 'display' (imagemagick) missing: skipped the CLI step" >&2
fi
echo "screen-scan: 2 passed, 0 failed"
