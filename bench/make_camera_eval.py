"""Writes a camera-sized copy of an evaluation set (its photos enlarged, its truth kept), so detection can be
scored on files as large as a phone makes without tuning on the hidden camera-sized set.

Every picture is enlarged by the same linear factor (4x, less where that would pass 16 MP), in its own format,
with its EXIF (orientation included) and colour profile kept; copies therefore keep their relation to their
original (a half-size copy stays half the size). Identical files stay identical. Files that do not open as
pictures (broken files, sidecars, other files) are copied byte for byte.

Usage: python bench/make_camera_eval.py SET_FOLDER OUT_FOLDER [--scale 4] [--max-mp 16] [--jobs 2]
Then: dedup-gui scan OUT_FOLDER/photos ... and score.py OUT_FOLDER/truth.json pred.json --root OUT_FOLDER
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

SAVE_AS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF", "TIFF": "TIFF", "BMP": "BMP"}


def enlarged(data: bytes, scale: float, max_px: float) -> bytes | None:
    """The picture in `data` enlarged in its own format, or None when it is not a picture this can rewrite."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = SAVE_AS.get(img.format or "")
            if fmt is None:
                return None
            exif = img.info.get("exif")
            icc = img.info.get("icc_profile")
            img.load()
            pic = img if img.mode in ("RGB", "RGBA", "L") else img.convert("RGBA" if "A" in img.mode else "RGB")
            w, h = pic.size
            k = min(scale, (max_px / (w * h)) ** 0.5)
            if k > 1:
                pic = pic.resize((round(w * k), round(h * k)), Image.Resampling.BICUBIC)
            if fmt == "JPEG" and pic.mode == "RGBA":
                pic = pic.convert("RGB")
            opts: dict[str, object] = {}
            if exif:
                opts["exif"] = exif
            if icc:
                opts["icc_profile"] = icc
            if fmt in ("JPEG", "WEBP", "HEIF"):
                opts["quality"] = 92
            out = io.BytesIO()
            pic.save(out, format=fmt, **opts)
            return out.getvalue()
    except (OSError, ValueError, SyntaxError):
        return None


def one(job: tuple[str, str, float, float]) -> str:
    src, dst, scale, max_px = job
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    data = Path(src).read_bytes()
    out = enlarged(data, scale, max_px)
    if out is None:
        shutil.copyfile(src, dst)
        return "copied"
    Path(dst).write_bytes(out)
    return "enlarged"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("set", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--scale", type=float, default=4.0)
    ap.add_argument("--max-mp", type=float, default=16.0)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    photos = args.set / "photos"
    files = sorted(p for p in photos.rglob("*") if p.is_file() and not p.is_symlink())
    first_of: dict[str, Path] = {}  # identical inputs are written once and copied, so they stay identical
    jobs, twins = [], []
    for p in files:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        dst = args.out / "photos" / p.relative_to(photos)
        if digest in first_of:
            twins.append((first_of[digest], dst))
            continue
        first_of[digest] = dst
        jobs.append((str(p), str(dst), args.scale, args.max_mp * 1e6))
    with ProcessPoolExecutor(args.jobs) as pool:
        done = list(pool.map(one, jobs, chunksize=4))
    for first, dst in twins:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, dst)
    shutil.copyfile(args.set / "truth.json", args.out / "truth.json")
    n_big, n_kept = done.count("enlarged"), done.count("copied")
    print(f"{n_big} enlarged, {n_kept} copied as they are, {len(twins)} identical copies")


if __name__ == "__main__":
    main()
