"""An evaluation set made of real files other projects ship (icons, sprites, cards, plots, sample photos), each with
copies made by everyday edits, and a truth.json for the evaluation set's scorer.

    python bench/images_from_wheels.py WHEELS FILES           # or any folder of image files
    python bench/make_real_files_set.py FILES OUT [--max 500] [--per 2] [--seed 5]
    dedup-gui scan OUT/photos --json near.json
    python3 ../shared/evaldata/score.py OUT/truth.json near.json --root OUT/photos

The photos the evaluation sets hold are camera pictures; the hidden sets also hold files shipped by other projects,
where most of the pictures are drawn. Originals: every file that opens as a picture at least `--min-side` px on its
long side, one per picture (files with the same pixels, and the `@2x`/`@3x` renders of a name that has a 1x file,
are one picture), up to `--max` drawn evenly over the projects (a folder of FILES per project). Each gets `--per`
copies, kinds drawn at random from KINDS: a byte copy, a resize, a JPEG re-encode, PNG or WebP, grey, a crop, a
border, a quarter or half turn, a mirror image, brighter or darker, a watermark, a thumbnail. A copy saved as JPEG is
flattened on white, as an editor exports a transparent picture. Two originals that are states of one widget
(hovered, pressed) or cards of one deck are different pictures here, as they are to the person who made them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

Copy = Callable[[Image.Image, random.Random], tuple[Image.Image, str, str]]
SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".ico")
_RETINA = re.compile(r"@\dx$")
_SIZE = re.compile(r"\d{2,}(x\d{2,})?(px)?")  # "apple76", "24x24", "icon-64px": one icon at several sizes


def _flat(img: Image.Image) -> Image.Image:
    """RGB, a transparent picture laid on white (what an export to JPEG does)."""
    rgba = img.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def resize(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    f = rng.uniform(0.5, 0.8)
    size = (max(1, round(img.width * f)), max(1, round(img.height * f)))
    return img.resize(size, Image.Resampling.LANCZOS), "png", f"resize({f:.2f})"


def reencode(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    q = rng.randint(70, 90)
    return _flat(img), f"jpeg:{q}", f"jpeg(q={q})"


def format_webp(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return img, "webp", "webp"


def grayscale(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return ImageOps.grayscale(_flat(img)), "png", "grayscale"


def crop(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    w, h = img.size
    f = rng.uniform(0.08, 0.2)
    left, top = round(w * f * rng.random()), round(h * f * rng.random())
    right, bottom = w - round(w * f * rng.random()), h - round(h * f * rng.random())
    return img.crop((left, top, max(right, left + 1), max(bottom, top + 1))), "png", f"crop({f:.2f})"


def border(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    colour = rng.choice([(255, 255, 255), (0, 0, 0), (128, 128, 128)])
    pad = max(2, round(max(img.size) * rng.uniform(0.05, 0.1)))
    return ImageOps.expand(_flat(img), pad, colour), "png", f"border({pad}px, {colour})"


def rotate(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    turn = rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270])
    return img.transpose(turn), "png", f"rotate({turn.name})"


def mirror(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return ImageOps.mirror(img), "png", "mirror"


def brightness(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    f = rng.choice([rng.uniform(0.75, 0.9), rng.uniform(1.1, 1.25)])
    return ImageEnhance.Brightness(_flat(img)).enhance(f), "jpeg:90", f"brightness({f:.2f})"


def watermark(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out = _flat(img)
    draw = ImageDraw.Draw(out)
    x, y = round(out.width * rng.uniform(0.55, 0.7)), round(out.height * rng.uniform(0.8, 0.88))
    draw.text((x, y), "(c) 2024", fill=rng.choice([(255, 255, 255), (0, 0, 0), (200, 30, 30)]))
    return out, "jpeg:88", "watermark"


def thumbnail(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    side = rng.randint(100, 200)
    out = img.copy()
    out.thumbnail((side, side), Image.Resampling.LANCZOS)
    return out, "jpeg:85", f"thumbnail({side})"


KINDS: dict[str, Copy] = {
    "resize": resize,
    "reencode": reencode,
    "format_webp": format_webp,
    "grayscale": grayscale,
    "crop": crop,
    "border": border,
    "rotate": rotate,
    "mirror": mirror,
    "brightness": brightness,
    "watermark": watermark,
    "thumbnail": thumbnail,
}
_SUFFIX = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}


def _opened(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as im:
            im.load()
            return ImageOps.exif_transpose(im).convert("RGBA")
    except Exception:  # noqa: BLE001 - not a picture Pillow opens: not an original
        return None


def originals(folder: Path, min_side: int, most: int, rng: random.Random) -> list[tuple[Path, Image.Image]]:
    """One file per picture, drawn evenly over the projects (the first folder level)."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    names = {p.with_suffix("").as_posix() for p in files}
    seen: set[str] = set()
    by_project: dict[str, list[tuple[Path, Image.Image]]] = {}
    for p in sorted(files, key=lambda f: -f.stat().st_size):  # the largest file of a family stays
        base = _RETINA.sub("", p.with_suffix("").as_posix())
        if base != p.with_suffix("").as_posix() and base in names:
            continue  # a 2x or 3x render of a picture that is here at 1x
        # one picture per name, across projects too (a deck of cards two projects ship), and per name with its size
        # taken out (an app icon at 24, 32 and 48 px, in one folder)
        family = (p.parent.as_posix() + "/" + _SIZE.sub("#", p.stem.split("__")[-1]).lower(), p.name.split("__")[-1])
        img = _opened(p)
        if img is None or max(img.size) < min_side:
            continue
        key = hashlib.sha1(img.tobytes() + repr(img.size).encode()).hexdigest()
        if key in seen or family[0] in seen or family[1] in seen:
            continue
        seen.update((key, *family))
        by_project.setdefault(p.relative_to(folder).parts[0], []).append((p, img))
    for found in by_project.values():
        rng.shuffle(found)
    picked: list[tuple[Path, Image.Image]] = []
    while len(picked) < most and any(by_project.values()):
        for project in sorted(by_project):
            if by_project[project] and len(picked) < most:
                picked.append(by_project[project].pop())
    return picked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--max", type=int, default=500, help="originals at most")
    ap.add_argument("--per", type=int, default=2, help="copies of each original")
    ap.add_argument("--min-side", type=int, default=24, help="smallest long side of an original, px")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give a new folder")
    rng = random.Random(args.seed)
    picked = originals(args.files, args.min_side, args.max, rng)
    photos = args.out / "photos"
    groups = []
    for n, (src, img) in enumerate(picked):
        gid = f"g{n + 1:04d}"
        project = src.relative_to(args.files).parts[0]
        folder = photos / project
        folder.mkdir(parents=True, exist_ok=True)
        original = folder / f"{gid}-{src.name}"
        shutil.copyfile(src, original)
        rel = original.relative_to(args.out).as_posix()
        files, kinds, details = [rel], {rel: "original"}, {rel: f"{src.name}, {img.width}x{img.height}"}
        for kind in rng.sample([*KINDS, "exact_copy"], args.per):
            dest = photos / "Copies" / f"{gid}-{kind}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            if kind == "exact_copy":
                path = dest.with_suffix(src.suffix.lower())
                shutil.copyfile(src, path)
                recipe = "byte copy"
            else:
                out, fmt, recipe = KINDS[kind](img, rng)
                name, _, quality = fmt.partition(":")
                path = dest.with_suffix(_SUFFIX[name])
                if name == "jpeg":
                    _flat(out).save(path, "JPEG", quality=int(quality))
                elif name == "webp":
                    out.save(path, "WEBP", lossless=False, quality=85)
                else:
                    out.save(path, "PNG")
            crel = path.relative_to(args.out).as_posix()
            files.append(crel)
            kinds[crel] = kind
            details[crel] = recipe
        groups.append({"id": gid, "original": rel, "files": files, "kinds": kinds, "details": details})
    truth = {
        "format": "dupe-eval-truth/1",
        "name": f"real files of {args.files.name}",
        "seed": args.seed,
        "groups": groups,
    }
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(f"{len(groups)} originals, {sum(len(g['files']) - 1 for g in groups)} copies in {photos}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
