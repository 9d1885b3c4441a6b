#!/usr/bin/env python3
"""Moves the hard images that no decoder reads from the development corpus to the stress set.

    move_unreadable.py OUT_DIR [--dry-run]

OUT_DIR holds the scorer TSVs of one `bench/scan.sh --wechat` run on the development corpus
(twofold.tsv, zxing-cpp.tsv, zbarimg.tsv, wechat.tsv). A `hard` image (tests/corpus) that none
of the four reads in full is past what its pixels hold for any of them: it cannot be a target,
so it moves to tests/stress with the tags `stress` and `unread_by_all` (its name, payload and
params unchanged). Images that at least one decoder reads stay, whichever decoder it is.
"""
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "bench"))
from score import is_otp, read_output  # noqa: E402

DECODERS = ["twofold", "zxing-cpp", "zbarimg", "wechat"]


def main():
    out, dry = sys.argv[1], "--dry-run" in sys.argv
    corpus, stress = HERE, os.path.join(HERE, "..", "stress")
    got = {d: read_output(os.path.join(out, d + ".tsv")) for d in DECODERS}
    exp = json.load(open(os.path.join(corpus, "expected.json"), encoding="utf-8"))
    sexp = json.load(open(os.path.join(stress, "expected.json"), encoding="utf-8"))
    moved = []
    for f, e in sorted(exp.items()):
        if "hard" not in e["tags"]:
            continue
        want = set(e["payloads"])
        if any({p for p in g.get(f, []) if is_otp(p)} == want for g in got.values()):
            continue
        moved.append(f)
        if dry:
            continue
        e = dict(e, tags=sorted(set(e["tags"]) - {"hard"} | {"stress", "unread_by_all"}))
        sexp[f] = e
        del exp[f]
        shutil.move(os.path.join(corpus, "images", f), os.path.join(stress, "images", f))
    if not dry:
        for path, data in ((corpus, exp), (stress, sexp)):
            with open(os.path.join(path, "expected.json"), "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1, sort_keys=True)
    print("%s %d: %s" % ("would move" if dry else "moved", len(moved), " ".join(moved)))


if __name__ == "__main__":
    main()
