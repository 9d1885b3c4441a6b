#!/usr/bin/env bash
# QR scanning benchmark: twofold (release build), zbarimg and zxing-cpp on the same images, scored
# by bench/score.py (a copy of the shared corpus scorer).
#
#   bench/scan.sh [CORPUS_DIR] [--steps] [--no-stress] [--wechat MODELS_DIR]
#
# CORPUS_DIR holds images/ and expected.json (default: crates/scan/tests/corpus, the development
# corpus). Output files go to $CARGO_TARGET_DIR/bench-scan/ (default target/bench-scan/). Times
# are CPU time per image of loading and decoding only, in-process for twofold (`twofold scan --timings`) and zxing-cpp (a Python loop
# over zxingcpp.read_barcodes), per process minus start-up for zbarimg (see bench/scan_zbar.py).
# --steps also runs the scanner's variant analysis (bench/scan_steps.py). With the default corpus
# the stress set (crates/scan/tests/stress, beyond what decoders read in full) is run and reported
# apart afterwards (--no-stress skips it). --wechat adds OpenCV's WeChat decoder as a fourth
# column (bench/scan_wechat.py; models in MODELS_DIR; $WECHAT_PYTHON, default python3, must
# import cv2 4.x, see bench/scan-wechat-requirements.txt): a reference for what can be read, not
# one of the issue's targets.
#
# Needs: zbarimg (Debian zbar-tools), python3 with zxing-cpp and pillow (pip install zxing-cpp pillow).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/crates/scan/tests/corpus
steps=0
stress=1
wechat=
default_corpus=1
while [ $# -gt 0 ]; do
  case $1 in
    --steps) steps=1 ;;
    --no-stress) stress=0 ;;
    --wechat) wechat=$2; shift ;;
    *) corpus=$1; default_corpus=0 ;;
  esac
  shift
done
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
out=$target/bench-scan
mkdir -p "$out"
command -v zbarimg >/dev/null || { echo "scan.sh: zbarimg missing (apt-get install zbar-tools)" >&2; exit 2; }
python3 -c "import zxingcpp, PIL" 2>/dev/null || { echo "scan.sh: pip install zxing-cpp pillow" >&2; exit 2; }

(cd "$root" && cargo build --release -p twofold-cli --quiet)
run_corpus() {
  local corpus=$1 out=$2
  mkdir -p "$out"
  local images=("$corpus"/images/*)
  local names=(twofold zxing-cpp zbarimg)
  [ ${#images[@]} -gt 0 ] || { echo "scan.sh: no images in $corpus/images" >&2; exit 2; }

  echo "== $(basename "$corpus"): ${#images[@]} images" >&2
  echo "-- twofold" >&2
  rc=0
  "$target/release/twofold" scan --json --timings "$out/twofold.times.tsv" "${images[@]}" \
    > "$out/twofold.json" || rc=$?
  [ $rc -le 2 ] || { echo "scan.sh: twofold scan failed ($rc)" >&2; exit 1; }
  python3 - "$out/twofold.json" "$out/twofold.tsv" <<'PY'
import json, sys
rows = {}
for c in json.load(open(sys.argv[1], encoding="utf-8")):
    rows.setdefault(c["source"], []).append(c["payload"].replace("\t", " ").replace("\n", " "))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    for src, ps in rows.items():
        f.write("\t".join([src] + ps) + "\n")
PY
  echo "-- zxing-cpp" >&2
  python3 "$root/bench/scan_zxingcpp.py" --times "$out/zxing-cpp.times.tsv" "${images[@]}" > "$out/zxing-cpp.tsv"
  echo "-- zbarimg" >&2
  python3 "$root/bench/scan_zbar.py" --times "$out/zbarimg.times.tsv" "${images[@]}" > "$out/zbarimg.tsv"
  if [ -n "$wechat" ]; then
    echo "-- wechat" >&2
    "${WECHAT_PYTHON:-python3}" "$root/bench/scan_wechat.py" --models "$wechat" --times "$out/wechat.times.tsv" "${images[@]}" > "$out/wechat.tsv"
    names+=(wechat)
  fi

  for d in "${names[@]}"; do
    python3 "$root/bench/score.py" "$corpus/expected.json" "$out/$d.tsv" --times "$out/$d.times.tsv" --names "$d" --fails
    echo
  done
  echo "== side by side (success % per category; FP files; CPU ms per image)"
  python3 "$root/bench/score.py" "$corpus/expected.json" $(printf "$out/%s.tsv " "${names[@]}") \
    --times $(printf "$out/%s.times.tsv " "${names[@]}") --names "${names[@]}" --json "$out/summary.json"

  # The development corpus also holds images tagged `hard` (tests/corpus/README.md): the same
  # matrix for the shared images alone and for those additions alone.
  if python3 - "$corpus/expected.json" "$out" <<'PY'
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
hard = {f: v for f, v in e.items() if "hard" in v.get("tags", [])}
if not hard:
    sys.exit(1)
for name, part in (("shared", {f: v for f, v in e.items() if f not in hard}), ("hard", hard)):
    json.dump(part, open("%s/expected-%s.json" % (sys.argv[2], name), "w", encoding="utf-8"), ensure_ascii=False)
PY
  then
    for part in shared hard; do
      echo
      echo "== side by side, $part images only"
      python3 "$root/bench/score.py" "$out/expected-$part.json" $(printf "$out/%s.tsv " "${names[@]}") \
        --times $(printf "$out/%s.times.tsv " "${names[@]}") --names "${names[@]}"
    done
  fi
}

shopt -s nullglob
run_corpus "$corpus" "$out"
if [ $stress = 1 ] && [ $default_corpus = 1 ]; then
  echo
  echo "== STRESS SET (crates/scan/tests/stress: beyond what decoders read in full; not the development corpus)"
  run_corpus "$root/crates/scan/tests/stress" "$out/stress"
fi

if [ $steps = 1 ]; then
  (cd "$root" && cargo build --release -p twofold-scan --example scan-bench --quiet)
  python3 "$root/bench/scan_steps.py" "$target/release/examples/scan-bench" "$corpus" "$out"
fi
