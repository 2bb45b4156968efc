"""What verification's larger look costs per file, by format: the grey decode at DETAIL_SIDE (detail.decode_gray)
and the compare view's RGB decode at the same side (pictures.display_picture), CPU ms on this thread.

    python bench/larger_decode_cost.py PHOTOS [--sample 200] [--side 768] [--runs 2]

Every --sample'th file of the folder's images is decoded --runs times (the best run counts: the first reads the
files from disk). Run it from another checkout (PYTHONPATH) to compare two versions on the same files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import pillow_heif
from PIL import Image

from dedup_gui.core.decoding import DecodeError
from dedup_gui.core.detail import DETAIL_SIDE, decode_gray
from dedup_gui.core.pictures import display_picture


def _format(path: str) -> str:
    """The file's format as Pillow names it (HEIC and AVIF too), whatever its name says."""
    try:
        with Image.open(path) as img:
            return img.format or "?"
    except Exception:  # noqa: BLE001 - a file Pillow cannot open is counted as such
        return "unopened"


def _best(fn, path: str, runs: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        with contextlib.suppress(DecodeError):  # a file that cannot be decoded costs what finding that out did
            fn(path)
        best = min(best, time.thread_time() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("photos", type=Path)
    ap.add_argument("--sample", type=int, default=200, help="files decoded, spread over the folder")
    ap.add_argument("--side", type=int, default=DETAIL_SIDE)
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    pillow_heif.register_heif_opener()  # as the decoders do, so that HEIC files are named as such
    files = sorted(str(p) for p in args.photos.rglob("*") if p.is_file())
    files = files[:: max(1, len(files) // args.sample)][: args.sample]
    gray: dict[str, list[float]] = defaultdict(list)
    rgb: dict[str, list[float]] = defaultdict(list)
    for path in files:
        fmt = _format(path)
        gray[fmt].append(_best(lambda p: decode_gray(p, args.side), path, args.runs))
        rgb[fmt].append(_best(lambda p: display_picture(p, args.side), path, args.runs))
    print(f"{len(files)} files of {args.photos}, long side {args.side}, best of {args.runs} runs, pid {os.getpid()}")
    print(f"{'format':>10} {'files':>6} {'grey ms':>8} {'RGB ms':>8}")
    for fmt in sorted(gray, key=lambda f: -len(gray[f])):
        n = len(gray[fmt])
        print(f"{fmt:>10} {n:>6} {1000 * sum(gray[fmt]) / n:8.1f} {1000 * sum(rgb[fmt]) / n:8.1f}")
    n = len(files)
    total_gray = 1000 * sum(sum(v) for v in gray.values()) / n
    total_rgb = 1000 * sum(sum(v) for v in rgb.values()) / n
    print(f"{'all':>10} {n:>6} {total_gray:8.1f} {total_rgb:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
