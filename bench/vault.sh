# Sourced by the desktop benchmarks (bash): make_vault N VAULT writes a vault of N TOTP accounts
# with random secrets (issuers "Service 0001" on), imported in one write by the release CLI.
# Needs $root (the repository) and $work (a scratch directory) set by the caller.
make_vault() {
  local n=$1 vault=$2 list=$work/accounts-$1.txt
  head -c $((n * 20)) /dev/urandom | base32 -w 32 | head -n "$n" |
    awk '{ printf "otpauth://totp/Service%%20%04d:user%d%%40example.com?secret=%s&issuer=Service%%20%04d\n", NR, NR, $1, NR }' \
      >"$list"
  "$root/target/release/twofold" --vault "$vault" import "$list" >/dev/null
  [ "$("$root/target/release/twofold" --vault "$vault" list | grep -c example.com)" -eq "$n" ] ||
    { echo "make_vault: the $n-account vault did not come out with $n accounts" >&2; exit 1; }
}
