"""The loop every in-process reference decoder runs (bench/scan_zxingcpp.py, scan_wechat.py):
each image read and decoded in turn, its payloads written as the scorer's TSV to stdout and its
thread CPU time and wall time (ms) to the --times file. A failure is one line on stderr and no
payload."""
import os
import sys
import time


def run(files, decode, times=None):
    """`decode(path)` returns the payloads read in the image at `path`."""
    out = sys.stdout
    for f in files:
        t0 = time.thread_time()
        w0 = time.perf_counter()
        try:
            payloads = decode(f)
        except Exception as e:  # noqa: BLE001
            print("%s: %s" % (f, e), file=sys.stderr)
            payloads = []
        cpu = (time.thread_time() - t0) * 1000.0
        wall = (time.perf_counter() - w0) * 1000.0
        out.write("\t".join([f] + [p.replace("\t", " ").replace("\n", " ") for p in payloads]) + "\n")
        if times:
            times.write("%s\t%.3f\t%.3f\n" % (os.path.basename(f), cpu, wall))
