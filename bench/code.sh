#!/usr/bin/env bash
# Time per `twofold code` invocation side by side with oathtool, in one hyperfine run, then
# in-process code generation throughput (criterion).
#   bench/code.sh            both
#   bench/code.sh --cli      only the per-invocation comparison
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine oathtool; do
  command -v "$tool" >/dev/null || {
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq "$tool"; else sudo apt-get install -y -qq "$tool"; fi
  }
done
cargo build --release --locked --bin twofold
BIN=target/release/twofold
SECRET=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
# Both must print the same code before they are timed.
a=$($BIN code --secret "$SECRET" --at 1700000000)
b=$(oathtool --totp -b -N @1700000000 "$SECRET")
[ "$a" = "$b" ] || { echo "twofold ($a) and oathtool ($b) disagree" >&2; exit 1; }
mkdir -p target/bench
hyperfine -N --warmup 50 --runs 1000 --export-markdown target/bench/code-cli.md \
  -n "twofold code" "$BIN code --secret $SECRET --at 1700000000" \
  -n "oathtool --totp" "oathtool --totp -b -N @1700000000 $SECRET"
cat target/bench/code-cli.md
if [ "${1:-}" != "--cli" ]; then
  cargo bench --locked -p twofold-otp --bench codes -- --noplot
fi
