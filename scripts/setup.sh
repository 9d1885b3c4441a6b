#!/usr/bin/env bash
# Installs what Twofold needs to build, run and test on Debian/Ubuntu, skipping what is there:
# system packages (apt-get, with sudo when not root), npm packages, and tauri-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # build the desktop app (Tauri 2 / WebKitGTK) and the keyring client
  libwebkit2gtk-4.1-dev build-essential pkg-config libdbus-1-dev libayatana-appindicator3-dev
  libxdo-dev
  # run it headless and drive it over WebDriver
  xvfb xauth webkit2gtk-driver imagemagick xclip x11-utils
  # give the window the X input focus (no window manager under Xvfb to do it): focus styles
  # and the keyboard test need a focused page (tests/e2e/keyboard.test.mjs)
  xdotool
  # a real Secret Service for the keyring tests
  gnome-keyring dbus libsecret-tools
  # gdbus: the tray test reads and clicks the tray menu over D-Bus
  libglib2.0-bin
  # the desktop's light/dark choice as GNOME publishes it: the settings portal, its GTK backend
  # reading org.gnome.desktop.interface color-scheme from dconf (tests/e2e/theme.test.mjs)
  xdg-desktop-portal xdg-desktop-portal-gtk dconf-gsettings-backend gsettings-desktop-schemas
  # "Scan screen" on Wayland (tests/wayland-scan.sh): a headless sway with a QR wallpaper, the
  # portal's wlroots backend (which needs a PipeWire daemon and takes the picture with grim)
  sway swaybg xdg-desktop-portal-wlr grim pipewire-bin
  # the .deb's otpauth:// handler, as a desktop registers it (scripts/check-deb.sh:
  # update-desktop-database runs from dpkg's trigger, xdg-open hands the link over)
  desktop-file-utils xdg-utils
  # a real browser on the test server's TOTP activation page (crates/server/tests/browser.rs)
  chromium chromium-driver
  # reference tools the tests and benchmarks compare against
  oathtool zbar-tools
)

scripts/apt-install.sh "${APT_PACKAGES[@]}"

command -v cargo >/dev/null || { echo "setup: Rust is required (https://rustup.rs)" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js and npm are required" >&2; exit 1; }

# `npm ci` refuses this lock file (the registry lacks non-Linux @tauri-apps/cli optional
# packages); `npm install` honours the lock.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

# The reference decryptor of Twofold backups (docs/decrypt_backup.py) is run by the tests.
if ! python3 -c "import cryptography" 2>/dev/null; then
  python3 -m pip install --quiet 'cryptography>=44'
fi

if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --locked
fi
