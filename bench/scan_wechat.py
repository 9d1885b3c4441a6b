#!/usr/bin/env python3
"""OpenCV's WeChat QR decoder (CNN detector + super-resolution) over images, in one process:
scorer TSV on stdout, CPU ms per image to --times.

    scan_wechat.py --models DIR --times T.tsv FILE...

DIR holds detect.prototxt, detect.caffemodel, sr.prototxt and sr.caffemodel (WeChatCV's
opencv_3rdparty repository, branch wechat_qrcode). Needs opencv-contrib-python-headless 4.x
(5.x no longer reads Caffe models), numpy and pillow. Images are read with Pillow (alpha over
white, as the other drivers) and handed over as BGR. Time per image = thread CPU time of reading,
decoding and detectAndDecode; OpenCV is held to one thread so CPU time is comparable.
"""
import os
import sys

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scan_driver import run  # noqa: E402


def main():
    args = sys.argv[1:]
    times, models = None, None
    while args and args[0].startswith("--"):
        if args[0] == "--times":
            times = open(args[1], "w")
        elif args[0] == "--models":
            models = args[1]
        args = args[2:]
    cv2.setNumThreads(1)
    m = lambda f: os.path.join(models, f)
    det = cv2.wechat_qrcode_WeChatQRCode(m("detect.prototxt"), m("detect.caffemodel"), m("sr.prototxt"), m("sr.caffemodel"))

    def decode(f):
        img = Image.open(f)
        img.load()
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
            img = Image.alpha_composite(bg, img)
        arr = np.asarray(img.convert("RGB"))[:, :, ::-1].copy()
        res, _ = det.detectAndDecode(arr)
        return [p for p in res if p]

    run(args, decode, times)


if __name__ == "__main__":
    main()
