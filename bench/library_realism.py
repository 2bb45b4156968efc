"""How like real photos are a folder's pictures where verification's cost depends on it? Thumbnails made as the scan
makes them, then the two measures that send a pair down the dearer paths: the share of the picture with clear detail
(below verify.PLAIN_DETAIL a picture is "sparse") and the SIFT keypoints (below the `dense_keypoints` threshold a
strong candidate is aligned from the whole picture and may get a larger decode).

    python bench/library_realism.py FOLDER [FOLDER ...] [--sample 600] [--seed 0]

Run it on a simulated library (make_library.py) beside real photos (the evaluation sets) to see whether the
simulator's pictures make the costly cases as often as real photos do. Every file of a folder counts, copies
included, so give folders of the same make-up (or compare the distinct pictures' share with --sample large enough).
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path

import numpy as np
from PIL import Image

from dedup_gui.core import verify
from dedup_gui.core.decoding import Decoded, decode_or_problem
from dedup_gui.core.formats import IMAGE_EXTENSIONS


def thumbnail_features(path: Path) -> verify.Features | None:
    """The thumbnail's features as a scan makes them (None: the file is not a readable picture)."""
    made = decode_or_problem(str(path), path.stat().st_size, want_cnn=False)
    if not isinstance(made, Decoded):
        return None
    with Image.open(io.BytesIO(made.thumb_jpeg)) as thumb:
        return verify.features(np.asarray(thumb.convert("RGB")))


def describe(folder: Path, sample: int, seed: int) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
    random.Random(seed).shuffle(files)
    detail, points = [], []
    for path in files[:sample]:
        features = thumbnail_features(path)
        if features is not None:
            detail.append(features.detail)
            points.append(len(features.points))
    d, k = np.array(detail), np.array(points)
    if not len(d):
        return f"{folder}: no readable pictures"
    few = verify.DEFAULT_THRESHOLDS.dense_keypoints
    pd = np.percentile(d, [5, 25, 50, 75])
    pk = np.percentile(k, [5, 25, 50])
    return (
        f"{folder}: {len(d)} of {len(files)} pictures\n"
        f"  detail share: sparse (< {verify.PLAIN_DETAIL}) {np.mean(d < verify.PLAIN_DETAIL):.1%}; "
        f"5/25/50/75th percentiles {pd[0]:.3f} {pd[1]:.3f} {pd[2]:.3f} {pd[3]:.3f}\n"
        f"  keypoints: under {few} {np.mean(k < few):.1%}; 5/25/50th percentiles {pk[0]:.0f} {pk[1]:.0f} {pk[2]:.0f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("--sample", type=int, default=600, help="pictures drawn from each folder")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for folder in args.folders:
        print(describe(folder, args.sample, args.seed), flush=True)


if __name__ == "__main__":
    main()
