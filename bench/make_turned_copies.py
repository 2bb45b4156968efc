"""An evaluation set of copies that were turned and then cropped or edited, which the perceptual hashes (they see a
turn, not a crop) and the plain embedding (it sees a crop, not a turn) both miss; rotated queries find them.

    python bench/make_turned_copies.py EVALSET OUT [--harder] [--copies 120] [--others 80] [--seed 5]

EVALSET is an evaluation set (its truth.json and photos); OUT gets photos/{orig,edit,other} and a truth.json in the
same format, for score.py. Each copy: a crop of 78-92 % of each side, one tone edit or none, a quarter turn either
way, a resize to 60-90 % and JPEG quality 75-88. `--harder` also takes the groups' originals, crops 72-90 %, turns a
half too, resizes to 50-90 %, saves at quality 70-90 and edits with blur, sharpening, less colour or contrast, or grey.
The two sets in the notes: `EVALDATA/dev-large OUT --copies 120 --others 80 --seed 5` (120 copies, 34 others: all the
singletons there are) and `EVALDATA/dev OUT --harder --copies 80 --others 30 --seed 11`.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pillow_heif
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

SUFFIXES = (".jpg", ".jpeg", ".png", ".heic", ".webp", ".tif", ".tiff")


def _edited(img: Image.Image, rng: random.Random, harder: bool) -> Image.Image:
    w, h = img.size
    f = rng.uniform(0.72, 0.9) if harder else rng.uniform(0.78, 0.92)
    cw, ch = int(w * f), int(h * f)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    out = img.crop((x, y, x + cw, y + ch))
    if harder:
        op = rng.choice(["blur", "sharpen", "desat", "lowcontrast", "gray", "none"])
        out = {
            "blur": lambda e: e.filter(ImageFilter.GaussianBlur(1.2)),
            "sharpen": lambda e: e.filter(ImageFilter.SHARPEN),
            "desat": lambda e: ImageEnhance.Color(e).enhance(0.6),
            "lowcontrast": lambda e: ImageEnhance.Contrast(e).enhance(0.8),
            "gray": lambda e: ImageOps.grayscale(e).convert("RGB"),
            "none": lambda e: e,
        }[op](out)
        out = out.rotate(rng.choice([90, 180, 270]), expand=True)
        scale = rng.uniform(0.5, 0.9)
    else:
        op = rng.choice(["contrast", "color", "brightness", "none"])
        out = {
            "contrast": lambda e: ImageEnhance.Contrast(e).enhance(1.25),
            "color": lambda e: ImageEnhance.Color(e).enhance(1.3),
            "brightness": lambda e: ImageEnhance.Brightness(e).enhance(0.85),
            "none": lambda e: e,
        }[op](out)
        out = out.rotate(rng.choice([90, 270]), expand=True)
        scale = rng.uniform(0.6, 0.9)
    size = (max(32, int(out.width * scale)), max(32, int(out.height * scale)))
    return out.resize(size, Image.Resampling.LANCZOS)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evalset", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--harder", action="store_true")
    ap.add_argument("--copies", type=int, default=120)
    ap.add_argument("--others", type=int, default=80, help="photos without a copy, after the copied ones")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    pillow_heif.register_heif_opener()
    truth = json.loads((args.evalset / "truth.json").read_text())
    pool = list(truth["singletons"])
    if args.harder:
        pool = [g["original"] for g in truth["groups"]] + pool
    pool = [p for p in pool if p.lower().endswith(SUFFIXES)]
    rng = random.Random(args.seed)
    rng.shuffle(pool)
    for folder in ("orig", "edit", "other"):
        (args.out / "photos" / folder).mkdir(parents=True, exist_ok=True)
    groups, singletons = [], []
    opened = 0
    for n, rel in enumerate(pool):
        if not args.harder and n >= args.copies + args.others:
            break
        try:
            img = ImageOps.exif_transpose(Image.open(args.evalset / rel)).convert("RGB")
        except OSError:
            continue
        opened += 1
        if args.harder and opened > args.copies + args.others:
            break
        # the harder set numbers the photos it opened from 1, the other its picks from 0 (as the sets were made)
        k, first_other = (opened, args.copies + 1) if args.harder else (n, args.copies)
        if k >= first_other:
            path = f"photos/other/o{k:03d}.jpg"
            img.save(args.out / path, quality=90)
            singletons.append(path)
            continue
        a, b = f"photos/orig/p{k:03d}.jpg", f"photos/edit/p{k:03d}.jpg"
        img.save(args.out / a, quality=92)
        copy = _edited(img, rng, args.harder)
        copy.save(args.out / b, quality=rng.randint(70, 90) if args.harder else rng.randint(75, 88))
        groups.append({"id": f"g{k}", "original": a, "files": [a, b], "kinds": {a: "original", b: "turned_edit"}})
    truth_out = {
        "format": "dupe-eval-truth/1",
        "name": args.out.name,
        "paths_relative_to": "the folder containing this truth.json",
        "groups": groups,
        "singletons": singletons,
    }
    (args.out / "truth.json").write_text(json.dumps(truth_out, indent=1))
    print(f"{len(groups)} turned copies and {len(singletons)} other photos in {args.out}")


if __name__ == "__main__":
    main()
