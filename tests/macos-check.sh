#!/usr/bin/env bash
# The macOS code paths compile: the Keychain store (crates/keyring), the clipboard's
# exclude-from-history mark (crates/clipboard) and the screen capture (crates/scan), checked for
# aarch64-apple-darwin. This machine has no macOS SDK, so nothing is linked or run here: the
# release workflow (.github/workflows/release.yml) builds and tests on macos-latest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
TARGET=aarch64-apple-darwin
rustup target list --installed | grep -qx "$TARGET" || rustup target add "$TARGET"
cargo check --locked --target "$TARGET" -p twofold-keyring -p twofold-clipboard
# The scanner without its clipboard feature: arboard is checked through crates/clipboard above.
cargo check --locked --target "$TARGET" -p twofold-scan --no-default-features --features screen
echo "macos: the Keychain, clipboard and screen paths compile"
