"""How far a HEIC's small images made from its embedded thumbnail are from those made from the whole picture, and
what each decode costs: the check behind decoding a phone's HEIC from its thumbnail.

    python bench/heif_thumbnails.py FOLDER      # e.g. the test images of pillow-heif's source package

For every HEIF file whose thumbnail the scan would use, one line: the decode time from the thumbnail and from the
whole picture (the scan's decode_data, one core), the pHash and dHash distances between the two (bits of 64) and
the mean difference of their CNN inputs (grey levels of 255).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

from dedup_gui.core.decoding import CNN_SIDE, THUMB_SIDE, Decoded, decode_data
from dedup_gui.core.hashing import hamming, image_hashes


def decoded(path: Path, data: bytes, *, thumbnails: bool) -> tuple[Decoded, float]:
    pillow_heif.options.THUMBNAILS = thumbnails  # off: pillow-heif's draft finds no thumbnail to decode
    try:
        start = time.perf_counter()
        return decode_data(str(path), data, want_cnn=True), time.perf_counter() - start
    finally:
        pillow_heif.options.THUMBNAILS = True


def uses_thumbnail(path: Path) -> bool:
    with Image.open(path) as img:
        w, h = img.size
        return img.draft("RGB", (THUMB_SIDE, CNN_SIDE) if w >= h else (CNN_SIDE, THUMB_SIDE)) is not None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    pillow_heif.register_heif_opener()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in (".heic", ".heif"))
    print(f"{'file':50s} {'size':>13s} {'thumb ms':>9s} {'whole ms':>9s} pHash dHash  CNN")
    for path in files:
        try:
            if not uses_thumbnail(path):
                continue
            data = path.read_bytes()
            (a, ta), (b, tb) = decoded(path, data, thumbnails=True), decoded(path, data, thumbnails=False)
        except Exception as exc:  # noqa: BLE001 - a sample the scan reports as a problem is not what this measures
            print(f"{path.name:50s} skipped: {type(exc).__name__}: {exc}")
            continue
        pa, da = image_hashes(a.gray)
        pb, db = image_hashes(b.gray)
        cnn = np.abs(a.cnn.astype(int) - b.cnn.astype(int)).mean() if a.cnn is not None and b.cnn is not None else 0
        size = f"{a.info.width}x{a.info.height}"
        print(
            f"{path.name:50s} {size:>13s} {1000 * ta:9.0f} {1000 * tb:9.0f} {hamming(pa[0], pb[0]):5d} "
            f"{hamming(da[0], db[0]):5d} {cnn:4.1f}"
        )


if __name__ == "__main__":
    main()
