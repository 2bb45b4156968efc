"""Writes camera-sized copies (12 MP JPEG, q92, EXIF kept) of the photos in a folder, with some of each
duplicate kind, so the scan can be timed on files as large as a phone or camera makes.

Usage: python bench/make_camera_set.py SRC_FOLDER OUT_FOLDER [--count 120]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=120)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in args.src.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))[: args.count]
    for n, path in enumerate(sources):
        try:
            with Image.open(path) as img:
                exif = img.getexif()
                big = ImageOps.exif_transpose(img).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
        except OSError:
            continue
        exif[0x0112] = 1  # the pixels are upright now
        tags = exif.tobytes()  # the source's camera and capture time, kept by the copies as editors keep them
        big.save(args.out / f"IMG_{n:04d}.jpg", quality=92, exif=tags)
        if n % 4 == 0:  # an edited copy and a smaller export beside every fourth photo
            edit = ImageEnhance.Brightness(big).enhance(1.15)
            edit.save(args.out / f"IMG_{n:04d}-edit.jpg", quality=88, exif=tags)
            web = big.resize((2000, 1500), Image.Resampling.LANCZOS)
            web.save(args.out / f"IMG_{n:04d}-web.jpg", quality=80, exif=tags)


if __name__ == "__main__":
    main()
