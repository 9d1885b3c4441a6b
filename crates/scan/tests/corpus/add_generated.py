#!/usr/bin/env python3
"""Adds images made by gen.py with one of Twofold's profiles to a corpus directory.

    add_generated.py --profile hard --seed 11 --into crates/scan/tests/corpus
    add_generated.py --profile stress --seed 21 --into crates/scan/tests/stress

Runs gen.py into a temporary directory, prefixes each file with the profile's letter and the
seed (`h11_0001_small.png`, `s21_0001_small.png`), tags each entry with the profile's name,
records profile and seed in its params, and merges it into DIR/expected.json (replacing the
entries of an earlier run with the same prefix). Deterministic, as gen.py is.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", required=True, choices=["hard", "stress"])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--into", required=True)
    a = ap.parse_args()
    prefix = "%s%d_" % (a.profile[0], a.seed)
    gen = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen.py")
    img_dir = os.path.join(a.into, "images")
    os.makedirs(img_dir, exist_ok=True)
    exp_path = os.path.join(a.into, "expected.json")
    expected = json.load(open(exp_path, encoding="utf-8")) if os.path.exists(exp_path) else {}
    for f in [f for f in expected if f.startswith(prefix)]:
        del expected[f]
        if os.path.exists(os.path.join(img_dir, f)):
            os.remove(os.path.join(img_dir, f))
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, gen, "--profile", a.profile, "--seed", str(a.seed), "--out", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        new = json.load(open(os.path.join(tmp, "expected.json"), encoding="utf-8"))
        for f, e in new.items():
            e["tags"] = sorted(set(e["tags"]) | {a.profile})
            e["params"] = dict(e["params"], profile=a.profile, seed=a.seed)
            expected[prefix + f] = e
            shutil.copy(os.path.join(tmp, "images", f), os.path.join(img_dir, prefix + f))
    with open(exp_path, "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1, sort_keys=True)
    print("%s: %d entries with prefix %s" % (exp_path, sum(f.startswith(prefix) for f in expected), prefix))


if __name__ == "__main__":
    main()
