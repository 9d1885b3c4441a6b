#!/usr/bin/env bash
# Runs every test of Twofold, installing what is missing first. Used by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "front end: build and lint"
npm run --silent build
npm run --silent lint

step "rust: format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rust: build"
cargo build --workspace --all-targets --locked

step "rust: unit, CLI and server tests (real Secret Service in a private D-Bus session)"
tests/with-keyring.sh cargo test --workspace --locked

step "desktop app end to end (WebKit under Xvfb, WebDriver)"
xvfb-run -a -s "-screen 0 1280x800x24" tests/with-keyring.sh --keep-display npm run --silent e2e
