#!/usr/bin/env python3
"""zxing-cpp over images, in one process: scorer TSV on stdout, CPU ms per image to --times.

    scan_zxingcpp.py --times T.tsv FILE...

Time per image = thread CPU time of reading the file, decoding it (Pillow) and
zxingcpp.read_barcodes (QR only, try harder and inverted as the library defaults allow).
"""
import os
import sys
import time

import zxingcpp
from PIL import Image


def main():
    args = sys.argv[1:]
    times = None
    if args[:1] == ["--times"]:
        times = open(args[1], "w")
        args = args[2:]
    fmt = zxingcpp.BarcodeFormat.QRCode
    out = sys.stdout
    for f in args:
        t0 = time.thread_time()
        w0 = time.perf_counter()
        try:
            img = Image.open(f)
            img.load()
            res = zxingcpp.read_barcodes(img, formats=fmt, try_invert=True)
            payloads = [r.text for r in res if r.valid]
        except Exception as e:  # noqa: BLE001
            print("%s: %s" % (f, e), file=sys.stderr)
            payloads = []
        cpu = (time.thread_time() - t0) * 1000.0
        wall = (time.perf_counter() - w0) * 1000.0
        out.write("\t".join([f] + [p.replace("\t", " ").replace("\n", " ") for p in payloads]) + "\n")
        if times:
            times.write("%s\t%.3f\t%.3f\n" % (os.path.basename(f), cpu, wall))


if __name__ == "__main__":
    main()
