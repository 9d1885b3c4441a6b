#!/usr/bin/env bash
# Builds and runs the Twofold desktop app, installing what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
npm run --silent build
cargo build --locked -p twofold-desktop
exec target/debug/twofold-desktop "$@"
