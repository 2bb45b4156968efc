"""Copy four screenshots from `bench/screenshots.py OUT_DIR` into resources/screenshots/, each under 200 KB.

    .venv/bin/python bench/screenshots.py /tmp/shots && .venv/bin/python packaging/pick_screenshots.py /tmp/shots

The README and the AppStream metainfo refer to these names. Photos in the UI make plain PNGs large, so each is
reduced to a 256-colour palette (dithered), and scaled down only if that is not enough.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

# Source shot -> (name, palette method): median cut keeps a photo's gradients (no banding in a sky), the octree
# keeps small spots of colour (the green and red decision marks in a list, which median cut turns grey).
PICKS = {
    "3-review-1600x1000.png": ("review.png", Image.Quantize.FASTOCTREE),
    "4-compare-1600x1000.png": ("compare.png", Image.Quantize.MEDIANCUT),
    "3-review-dark.png": ("review-dark.png", Image.Quantize.FASTOCTREE),
    "5-apply-confirmation.png": ("apply.png", Image.Quantize.FASTOCTREE),
}
BUDGET = 200_000
OUT = Path(__file__).resolve().parent.parent / "resources" / "screenshots"


def encode(img: Image.Image, method: Image.Quantize) -> bytes:
    buf = io.BytesIO()
    img.quantize(256, method=method, dither=Image.Dither.FLOYDSTEINBERG).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for src, (name, method) in PICKS.items():
        img = Image.open(Path(argv[0]) / src).convert("RGB")
        data = encode(img, method)
        while len(data) > BUDGET:
            img = img.resize((img.width * 9 // 10, img.height * 9 // 10), Image.Resampling.LANCZOS)
            data = encode(img, method)
        (OUT / name).write_bytes(data)
        print(f"{name}: {img.width}x{img.height}, {len(data) // 1000} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
