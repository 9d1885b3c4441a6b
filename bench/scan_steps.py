#!/usr/bin/env python3
"""Which preprocessing variant reads what: runs the scanner's bench driver exhaustively (every
variant on every image) and as shipped, and prints per variant and category how many images it
reads alone, what it adds over the variants before it, and its time.

    scan_steps.py SCAN_BENCH CORPUS_DIR OUT_DIR
"""
import collections
import json
import os
import statistics
import subprocess
import sys

OTP = ("otpauth://", "otpauth-migration://")


def main():
    exe, corpus, out = sys.argv[1:4]
    expected = json.load(open(os.path.join(corpus, "expected.json"), encoding="utf-8"))
    images = sorted(os.path.join(corpus, "images", f) for f in expected)
    steps_path = os.path.join(out, "steps-exhaustive.tsv")
    subprocess.run([exe, "--exhaustive", "--steps", steps_path] + images, check=True, stdout=subprocess.DEVNULL)
    shipped = os.path.join(out, "steps-shipped.tsv")
    subprocess.run([exe, "--steps", shipped] + images, check=True, stdout=subprocess.DEVNULL)

    def load(path):
        per = collections.defaultdict(list)  # file -> [(variant, ms, payloads)]
        for line in open(path, encoding="utf-8"):
            p = line.rstrip("\n").split("\t")
            per[p[0]].append((p[1], float(p[2]), [x for x in p[5:] if x.lower().startswith(OTP)]))
        return per

    ex = load(steps_path)
    variants = []
    for steps in ex.values():
        for v, _, _ in steps:
            if v not in variants:
                variants.append(v)
    cats = []
    for f in sorted(expected):
        c = expected[f]["category"]
        if c not in cats:
            cats.append(c)
    pos = [c for c in cats if not c.startswith("neg")]
    print("== each variant alone (images fully read; exhaustive run)")
    print("%-20s" % "variant" + "".join("%8s" % c[:7] for c in pos) + "%8s%8s%10s" % ("all", "FP", "med ms"))
    union = {f: set() for f in expected}
    for v in variants:
        row, total, fp, times = [], 0, 0, []
        for c in pos:
            ok = 0
            for f, e in expected.items():
                if e["category"] != c:
                    continue
                got = {p for (vv, ms, ps) in ex.get(f, []) if vv == v for p in ps}
                ok += got == set(e["payloads"])
            row.append(ok)
            total += ok
        for f, e in expected.items():
            for vv, ms, ps in ex.get(f, []):
                if vv == v:
                    times.append(ms)
                    if set(ps) - set(e["payloads"]):
                        fp += 1
        print("%-20s" % v + "".join("%8d" % x for x in row) + "%8d%8d%10.2f" % (total, fp, statistics.median(times) if times else float("nan")))
    print()
    print("== cumulative, in pipeline order (images fully read by the variants up to this one)")
    for v in variants:
        for f in expected:
            for vv, ms, ps in ex.get(f, []):
                if vv == v:
                    union[f] |= set(ps)
        ok = sum(union[f] == set(e["payloads"]) for f, e in expected.items() if not e["category"].startswith("neg"))
        print("%-20s %4d" % (v, ok))
    print()
    sh = load(shipped)
    print("== as shipped: how often each variant ran, and found something new")
    ran = collections.Counter()
    new = collections.Counter()
    ms = collections.defaultdict(float)
    for f, steps in sh.items():
        for v, t, ps in steps:
            ran[v] += 1
            ms[v] += t
    for line in open(shipped, encoding="utf-8"):
        p = line.rstrip("\n").split("\t")
        if int(p[3]) > 0:
            new[p[1]] += 1
    print("%-20s %6s %6s %10s" % ("variant", "ran", "new", "total ms"))
    for v in variants:
        print("%-20s %6d %6d %10.1f" % (v, ran[v], new[v], ms[v]))
    nsteps = [len(s) for s in sh.values()]
    print("images that ran only the 2 base variants: %d of %d" % (sum(n <= 2 for n in nsteps), len(nsteps)))


if __name__ == "__main__":
    main()
