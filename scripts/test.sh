#!/usr/bin/env bash
# Runs every test of Twofold, installing what is missing first. CI (.ci/run) runs exactly this.
#   scripts/test.sh            everything, including the .deb bundle check
#   SKIP_BUNDLE=1 scripts/test.sh   everything but the release .deb build
#   SKIP_WINDOWS=1 scripts/test.sh  everything but the Windows build under Wine
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

step() {
  printf '\n==> %s\n' "$*"
  # Free disk space matters: a CI run once ended in "No space left on device".
  printf 'disk: %s free, target/ %s\n' "$(df -h --output=avail . | tail -n 1 | tr -d ' ')" \
    "$(du -sh target 2>/dev/null | cut -f1 || echo 0)"
}
xvfb() { xvfb-run -a -s "-screen 0 1280x800x24" "$@"; }

step "setup"
scripts/setup.sh

step "front end: build, lint and the message catalogs"
npm run --silent build
npm run --silent lint
# Every key used in ui/ is in every catalog (en, de), with the same placeholders and plurals.
node --test tests/i18n.test.mjs
# No import cycle among the front end's modules, nor among each Rust crate's modules.
node --test tests/module-cycles.test.mjs

step "rust: format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "rust: build (all crates, the CLI and the desktop app)"
cargo build --workspace --all-targets --locked

step "rust: unit, property, CLI, vault, scanner, import/export and server tests"
# Inside a private D-Bus session with an unlocked gnome-keyring: the keyring tests (marked
# #[ignore] so they never run against a developer's own keyring) are included here.
# The 400-client concurrency test runs in a session of its own: gnome-keyring 42 can abort
# (an upstream race, see crates/cli/tests/vault_keyring.rs) when that churn shares one daemon
# with the other keyring tests; either alone stayed up through every local run.
churn=two_processes_with_the_keyring_slot_end_with_400
# The tests named postgres_… need a PostgreSQL server: they run in the PostgreSQL step below.
tests/with-keyring.sh cargo test --workspace --locked -- --include-ignored --skip "$churn" --skip postgres_
tests/with-keyring.sh cargo test -p twofold-cli --test vault_keyring --locked -- --ignored --exact "$churn"

step "test server on PostgreSQL (a throw-away cluster): the server's tests, an outage, two instances as processes"
# Installs PostgreSQL from Debian's packages, starts a cluster of its own (initdb in a temporary
# directory, a free loopback port, a password on TCP) and stops it at the end. The server's
# test files run again with every server on a database of that cluster (TWOFOLD_TEST_PG); the
# ignored ones need it: a database that goes away and comes back, sessions every instance
# sees, startup failures, and two `twofold serve` processes on one database (200 concurrent
# flows, one killed, a pg_dump).
crates/server/tests/postgres/cluster.sh bash -c '
  cargo test -p twofold-server --tests --locked &&
  cargo test -p twofold-server --test postgres_outage --test instances --locked -- --ignored &&
  cargo test -p twofold-cli --test serve_postgres --locked -- --ignored'

step "desktop: the TypeScript types of the Tauri commands are those the Rust types generate"
# `cargo test` above rewrote ui/src/bindings/ from the Rust types (ts-rs); the committed files
# must be what it wrote, or the front end was type-checked against stale types.
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
  git status --porcelain -- ui/src/bindings >&2
  echo "ui/src/bindings/ is out of date: run 'cargo test -p twofold-desktop export_bindings' and commit it" >&2
  exit 1
fi

step "test server: OpenAPI conformance (schemathesis --checks all, 0 failures)"
# Installs schemathesis from PyPI into target/schemathesis-venv (pinned in the script), starts
# `twofold serve` on a free loopback port and runs every check against its /openapi.json.
crates/server/tests/schemathesis/run.sh

step "test server: conformance with the real django-allauth (headless API, app and browser clients)"
# Installs the pinned Django + django-allauth from PyPI into target/allauth-venv, runs one
# scripted client through the TOTP life cycle against the real allauth (runserver) and against
# `twofold serve --profile allauth`, and compares every exchange (about 40 s).
crates/server/tests/allauth/run.sh

step "test server: conformance with the real django-two-factor-auth + django-otp (HTML wizards)"
# Installs the pinned Django + django-two-factor-auth + django-otp from PyPI into
# target/two-factor-venv, drives the real site (runserver) and `twofold serve --profile
# two-factor` at once through register, login, the setup wizard, backup tokens, throttling,
# replay, drift, the backup step, the login timeout and disable, every code from
# `twofold code`, and compares every exchange (about 2 min: it waits for TOTP steps).
crates/server/tests/two_factor/run.sh

step "test server: conformance with the real django-allauth-2fa (its pages on allauth's)"
# Installs the pinned django-allauth-2fa 0.12.0 + django-allauth 0.57.2 + django-otp 1.7.0
# (its requirements.txt says why those) into target/allauth-2fa-venv, drives the real site and
# `twofold serve --profile allauth-2fa` at once and compares every exchange (about 25 s).
crates/server/tests/allauth_2fa/run.sh

step "windows: the CLI and the server cross-built and tested under Wine, the desktop app compiled; macOS paths compiled"
# Same test files as above, run as Windows programs (tests/windows/run.sh says which and why).
if [ "${SKIP_WINDOWS:-0}" != 1 ]; then
  tests/windows/run.sh
  if [ "${TWOFOLD_CI:-0}" = 1 ]; then
    rm -rf target/x86_64-pc-windows-gnu # CI only: ~3 GB nothing later needs
  fi
  tests/macos-check.sh
fi

step "scanner: the screen path under Xvfb"
tests/screen-scan.sh

step "scanner: the screen path on Wayland (headless sway, the screenshot portal)"
tests/wayland-scan.sh

step "desktop app end to end (WebKit under Xvfb, WebDriver, real keyring)"
xvfb tests/with-keyring.sh --keep-display npm run --silent e2e

if [ "${SKIP_BUNDLE:-0}" != 1 ]; then
  if [ "${TWOFOLD_CI:-0}" = 1 ]; then
    # CI only: the release build below needs none of the debug build; give its disk back.
    rm -rf target/debug
  fi
  step "desktop app: .deb bundle, installed and launched once"
  scripts/check-deb.sh
fi

echo
echo "all test suites passed"
