#!/usr/bin/env bash
# Builds the .deb with the Tauri CLI, installs it with dpkg, and launches the installed binary
# once under Xvfb: it must stay up (a crash at start fails) and open its window. Before that,
# checks that the start-up order of its functions (scripts/startup-order.sh) is not stale.
set -euo pipefail
cd "$(dirname "$0")/.."
TWOFOLD_LINK_MAP=$PWD/target/release/twofold-desktop.map npm run --silent tauri -- build --bundles deb
# The functions that run at start are placed together (src-tauri/build.rs): most of the names
# the order file gives must still be in this build.
python3 scripts/startup_order.py check
deb=$(ls -t target/release/bundle/deb/*.deb | head -n 1)
echo "check-deb: installing $deb"
if [ "$(id -u)" -eq 0 ]; then dpkg -i "$deb"; else sudo dpkg -i "$deb"; fi
bin=$(dpkg -L "$(dpkg-deb -f "$deb" Package)" | grep -E '^/usr/bin/' | head -n 1)
[ -x "$bin" ] || { echo "check-deb: no binary installed under /usr/bin" >&2; exit 1; }
# The desktop entry makes the app the handler of otpauth:// links, passed on as an argument.
desktop=$(dpkg -L "$(dpkg-deb -f "$deb" Package)" | grep -E '^/usr/share/applications/.*\.desktop$' | head -n 1)
grep -q '^MimeType=.*x-scheme-handler/otpauth;' "$desktop" \
  || { echo "check-deb: $desktop does not claim otpauth:// links" >&2; exit 1; }
grep -q '^Exec=.* %u$' "$desktop" || { echo "check-deb: $desktop does not pass the link on" >&2; exit 1; }
echo "check-deb: $desktop handles otpauth:// links"
tmp=$(mktemp -d)
# shellcheck disable=SC2016
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  TWOFOLD_VAULT="$2/vault.twofold" TWOFOLD_CONFIG_DIR="$2/config" "$1" & pid=$!
  for _ in $(seq 1 100); do
    # Mapped, not just created: the window is shown once its page has loaded.
    if xwininfo -name Twofold 2>/dev/null | grep -q "Map State: IsViewable"; then
      kill $pid; wait $pid 2>/dev/null || true
      echo "check-deb: $1 showed its window"; exit 0
    fi
    kill -0 $pid 2>/dev/null || { echo "check-deb: $1 exited at start" >&2; exit 1; }
    sleep 0.2
  done
  kill $pid; echo "check-deb: no Twofold window shown after 20 s" >&2; exit 1' _ "$bin" "$tmp"

# And the desktop hands it an otpauth:// link: xdg-mime names its desktop entry as the handler,
# and xdg-open (as a browser or a file manager would) starts the installed app with the link.
handler=$(xdg-mime query default x-scheme-handler/otpauth)
[ "$handler" = "$(basename "$desktop")" ] ||
  { echo "check-deb: xdg-mime names '$handler' for otpauth:// links, not $(basename "$desktop")" >&2; exit 1; }
link='otpauth://totp/Deb%20Check:deb@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Deb%20Check'
# shellcheck disable=SC2016
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  export TWOFOLD_VAULT="$2/vault.twofold" TWOFOLD_CONFIG_DIR="$2/config"
  xdg-open "$3" &
  name=$(basename "$1")
  for _ in $(seq 1 100); do
    if pgrep -a -x "$name" | grep -qF -- "$3"; then
      pkill -x "$name"; echo "check-deb: xdg-open started $name with the otpauth:// link"; exit 0
    fi
    sleep 0.2
  done
  pkill -x "$name"; echo "check-deb: xdg-open did not start $name with the link in 20 s" >&2; exit 1' _ "$bin" "$tmp" "$link"
rm -rf "$tmp"
