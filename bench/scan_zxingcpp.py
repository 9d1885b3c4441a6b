#!/usr/bin/env python3
"""zxing-cpp over images, in one process: scorer TSV on stdout, CPU ms per image to --times.

    scan_zxingcpp.py --times T.tsv FILE...

Time per image = thread CPU time of reading the file, decoding it (Pillow) and
zxingcpp.read_barcodes (QR only, try harder and inverted as the library defaults allow).
"""
import os
import sys

import zxingcpp
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan_driver import run  # noqa: E402


def main():
    args = sys.argv[1:]
    times = None
    if args[:1] == ["--times"]:
        times = open(args[1], "w")
        args = args[2:]
    fmt = zxingcpp.BarcodeFormat.QRCode

    def decode(f):
        img = Image.open(f)
        img.load()
        return [r.text for r in zxingcpp.read_barcodes(img, formats=fmt, try_invert=True) if r.valid]

    run(args, decode, times)


if __name__ == "__main__":
    main()
