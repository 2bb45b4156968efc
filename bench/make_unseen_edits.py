"""Writes a copy of an evaluation set with more copies of its originals, made by edits the set does not have or
beyond its ranges, so detection can be checked on a mix of edits nobody tuned on.

Everything of the set is kept (its photos, truth, look-alikes and broken files); each original gets `--per` new
copies, kinds drawn at random from EDITS: heavier crops and tilts, tiny thumbnails, very low JPEG quality, GIF,
TIFF, CMYK JPEG and AVIF conversions, a stretched aspect, a caption bar, a blurry upscale, posterised colours, a
strong local-contrast look, and combinations of a mirror or a quarter turn with other edits. Each new file goes
into its original's group under its own kind, so score.py reports recall per new kind and every false pair the
new files make. A keystone (`perspective`) is what a step aside makes of a flat scene; the tool calls that another
shot (verify.py, max_residual), so it goes into the truth as one (kind `similar`), scored with other shots.

Usage: python bench/make_unseen_edits.py SET_FOLDER OUT_FOLDER [--per 3] [--seed 7] [--jobs 2]
Then: dedup-gui scan OUT_FOLDER/photos --mode near --json pred.json and score.py OUT_FOLDER/truth.json pred.json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

pillow_heif.register_heif_opener()

Edit = Callable[[Image.Image, random.Random], tuple[Image.Image, str, str]]  # -> (picture, format, recipe)


def _crop(
    img: Image.Image, rng: random.Random, lo: float, hi: float, across: bool | None = None
) -> tuple[Image.Image, str]:
    w, h = img.size
    gone = rng.uniform(lo, hi)  # share of the width or height removed, split unevenly between the two sides
    left = rng.uniform(0, gone)
    if across if across is not None else rng.random() < 0.5:
        box = (int(w * left), 0, int(w * (1 - gone + left)), h)
        return img.crop(box), f"crop(width -{gone:.0%})"
    box = (0, int(h * left), w, int(h * (1 - gone + left)))
    return img.crop(box), f"crop(height -{gone:.0%})"


def crop_heavy(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out, what = _crop(img, rng, 0.35, 0.5)
    return out, "jpeg", what


def crop_both(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out, a = _crop(img, rng, 0.2, 0.3, across=True)
    out, b = _crop(out, rng, 0.2, 0.3, across=False)
    return out, "jpeg", f"{a} > {b}"


def tilt_strong(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    deg = rng.choice([-1, 1]) * rng.uniform(6, 10)
    w, h = img.size
    turned = img.rotate(deg, resample=Image.Resampling.BICUBIC, expand=False)
    # the largest centred box of the same aspect with no corner of the turned frame in it
    a = np.radians(abs(deg))
    f = 1 / (np.cos(a) + np.sin(a) * max(w / h, h / w))
    cw, ch = int(w * f), int(h * f)
    box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
    return turned.crop(box), "jpeg", f"tilt(deg={deg:.1f}) > crop to the frame"


def thumb_tiny(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    side = rng.randint(96, 150)
    out = img.copy()
    out.thumbnail((side, side), Image.Resampling.LANCZOS)
    return out, "jpeg", f"resize(long_side={side})"


def jpeg_low(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    q = rng.randint(8, 20)
    return img, f"jpeg:{q}", f"jpeg(q={q})"


def format_gif(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out = img.copy()
    out.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    out = out.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    return out, "gif", "resize(long_side<=1024) > gif(256 colours)"


def format_tiff(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return img, "tiff", "tiff(lzw)"


def cmyk_jpeg(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return img.convert("CMYK"), "jpeg", "cmyk > jpeg"


def format_avif(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    return img, "avif", "avif(q=60)"


def stretch(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    w, h = img.size
    f = rng.uniform(1.12, 1.25)
    size = (int(w * f), h) if rng.random() < 0.5 else (w, int(h * f))
    return img.resize(size, Image.Resampling.BICUBIC), "jpeg", f"stretch(x{f:.2f} one side)"


def caption(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    w, h = img.size
    bar = int(h * rng.uniform(0.12, 0.2))
    out = Image.new("RGB", (w, h + bar), (255, 255, 255))
    top = rng.random() < 0.5
    out.paste(img, (0, bar if top else 0))
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(10, int(bar * 0.45)))
    text = rng.choice(["when the weekend finally arrives", "Summer 2019 <3", "Best day ever!!", "guess where"])
    draw.text((int(w * 0.05), (0 if top else h) + bar // 4), text, fill=(0, 0, 0), font=font)
    return out, "jpeg", f"caption bar ({bar / h:.0%} of height, {'top' if top else 'bottom'})"


def perspective(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    w, h = img.size
    d = rng.uniform(0.04, 0.08)
    # the top edge pulled in by d on each side: a keystone, as a photo of a print or a screen taken from below
    src = [(w * d, 0), (w * (1 - d), 0), (w, h), (0, h)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = _perspective_coeffs(dst, src)
    out = img.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    return out, "jpeg", f"perspective(keystone {d:.0%})"


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = np.array([c for p in src for c in p], dtype=np.float64)
    return list(np.linalg.solve(np.array(rows, dtype=np.float64), rhs))


def upscaled(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    f = rng.uniform(0.15, 0.25)
    w, h = img.size
    small = img.resize((max(1, int(w * f)), max(1, int(h * f))), Image.Resampling.BILINEAR)
    return small.resize((w, h), Image.Resampling.BICUBIC), "jpeg", f"resize(f={f:.2f}) > resize back"


def posterize(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    bits = rng.choice([3, 4])
    return ImageOps.posterize(img, bits), "png", f"posterize(bits={bits}) > png"


def local_contrast(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    radius = max(img.size) / rng.uniform(15, 30)
    out = img.filter(ImageFilter.UnsharpMask(radius=radius, percent=rng.randint(80, 140), threshold=2))
    out = ImageEnhance.Color(out).enhance(rng.uniform(1.3, 1.6))
    return out, "jpeg", f"local contrast (unsharp r={radius:.0f}) > saturation"


def mirror_crop_tone(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out = ImageOps.mirror(img)
    out, what = _crop(out, rng, 0.1, 0.25)
    out = ImageEnhance.Brightness(out).enhance(rng.uniform(0.8, 1.2))
    return out, "jpeg", f"mirror > {what} > brightness"


def quarter_thumb(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out = img.transpose(rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270]))
    side = rng.randint(180, 320)
    out.thumbnail((side, side), Image.Resampling.LANCZOS)
    return out, "jpeg", f"rotate 90 > resize(long_side={side})"


def gray_crop_small(img: Image.Image, rng: random.Random) -> tuple[Image.Image, str, str]:
    out, what = _crop(img, rng, 0.1, 0.25)
    out = ImageOps.grayscale(out)
    out.thumbnail((480, 480), Image.Resampling.LANCZOS)
    return out, "jpeg", f"{what} > grayscale > resize(long_side<=480)"


EDITS: dict[str, Edit] = {
    "crop_heavy": crop_heavy,
    "crop_both": crop_both,
    "tilt_strong": tilt_strong,
    "thumb_tiny": thumb_tiny,
    "jpeg_low": jpeg_low,
    "format_gif": format_gif,
    "format_tiff": format_tiff,
    "cmyk_jpeg": cmyk_jpeg,
    "format_avif": format_avif,
    "stretch": stretch,
    "caption": caption,
    "perspective": perspective,
    "upscaled": upscaled,
    "posterize": posterize,
    "local_contrast": local_contrast,
    "mirror_crop_tone": mirror_crop_tone,
    "quarter_thumb": quarter_thumb,
    "gray_crop_small": gray_crop_small,
}
AS_KIND = {"perspective": "similar"}  # the kind the truth gives an edit, where it is not the edit's own name
_SUFFIX = {"jpeg": ".jpg", "gif": ".gif", "tiff": ".tif", "avif": ".avif", "png": ".png"}


def make(job: tuple[str, str, str, int]) -> tuple[str, str] | None:
    """Write one copy: (source file, kind, destination without suffix, seed) -> (written path, recipe)."""
    src, kind, dest, seed = job
    rng = random.Random(seed)
    try:
        with Image.open(src) as im:
            img = ImageOps.exif_transpose(im).convert("RGB")
    except Exception as exc:  # noqa: BLE001 - an original the generator cannot read is skipped, said below
        print(f"skipped {src}: {exc}")
        return None
    out, fmt, recipe = EDITS[kind](img, rng)
    name, _, quality = fmt.partition(":")
    path = dest + _SUFFIX[name]
    if name == "jpeg":
        out.save(path, "JPEG", quality=int(quality or rng.randint(72, 88)))
    elif name == "tiff":
        out.save(path, "TIFF", compression="tiff_lzw")
    elif name == "avif":
        out.save(path, "AVIF", quality=60)
    else:
        out.save(path, name.upper())
    return path, recipe


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set_folder", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--per", type=int, default=3, help="new copies of each original")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    truth = json.loads((args.set_folder / "truth.json").read_text())
    if args.out.exists():
        raise SystemExit(f"{args.out} exists; give a new folder")
    shutil.copytree(args.set_folder / "photos", args.out / "photos")
    (args.out / "photos" / "Unseen").mkdir()
    rng = random.Random(args.seed)
    kinds = sorted(EDITS)
    jobs, owners = [], []
    for g in truth["groups"]:
        original = g.get("original") or g["files"][0]
        stem = Path(original).stem
        for kind in rng.sample(kinds, args.per):
            dest = str(args.out / "photos" / "Unseen" / f"{g['id']}-{stem}-{kind}")
            jobs.append((str(args.set_folder / original), kind, dest, rng.randrange(1 << 30)))
            owners.append((g, kind))
    with ProcessPoolExecutor(args.jobs) as pool:
        made = list(pool.map(make, jobs, chunksize=4))
    count = 0
    for (g, kind), result in zip(owners, made, strict=True):
        if result is None:
            continue
        path, recipe = result
        rel = str(Path(path).relative_to(args.out))
        g["files"].append(rel)
        g.setdefault("kinds", {})[rel] = AS_KIND.get(kind, kind)
        g.setdefault("details", {})[rel] = recipe
        count += 1
    truth["name"] = f"{truth.get('name', args.set_folder.name)} + unseen edits"
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(f"{count} new copies of {len(truth['groups'])} originals in {args.out / 'photos' / 'Unseen'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
