#!/usr/bin/env python3
"""zbarimg over images, one process per image: scorer TSV on stdout, CPU ms to --times.

    scan_zbar.py --times T.tsv FILE...

zbarimg has no library entry point here, so each image is one `zbarimg -q` process (QR symbology
only). Its time is the child's CPU time (user+sys, from getrusage) minus the median CPU time of
zbarimg on a 1x1 image (process start-up and library loading), so that, as for the other
decoders, only load and decode are counted. The raw figure is the third column.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile

CMD = ["zbarimg", "-q", "--nodbus", "-Sdisable", "-Sqrcode.enable"]


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000.0


def run(f):
    c0 = child_cpu()
    p = subprocess.run(CMD + [f], capture_output=True)
    return child_cpu() - c0, p


def baseline():
    # A 1x1 white PGM: the cost of starting zbarimg and reading a trivial image.
    with tempfile.NamedTemporaryFile(suffix=".pgm", delete=False) as t:
        t.write(b"P5\n1 1\n255\n\xff")
    try:
        return statistics.median(run(t.name)[0] for _ in range(15))
    finally:
        os.unlink(t.name)


def main():
    args = sys.argv[1:]
    times = None
    if args[:1] == ["--times"]:
        times = open(args[1], "w")
        args = args[2:]
    base = baseline()
    print("# zbarimg start-up CPU time subtracted: %.2f ms" % base, file=sys.stderr)
    out = sys.stdout.buffer
    for f in args:
        ms, p = run(f)
        payloads = []
        for line in p.stdout.split(b"\n"):
            if line.startswith(b"QR-Code:"):
                payloads.append(line[len(b"QR-Code:"):].replace(b"\t", b" ").rstrip(b"\r"))
        out.write(b"\t".join([f.encode()] + payloads) + b"\n")
        if times:
            times.write("%s\t%.3f\t%.3f\n" % (os.path.basename(f), max(0.0, ms - base), ms))


if __name__ == "__main__":
    main()
