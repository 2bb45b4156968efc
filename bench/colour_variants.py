"""How far apart in hue are the pairs a scan judged copies "in the same framing", by their truth: a study for telling
a picture from its variant in other colours (poker chips of eight colours, balloons, flakes), which the grey
verification takes for a colour edit.

    python bench/colour_variants.py NAME,STORE,TRUTH,PHOTOS [NAME,STORE,TRUTH,PHOTOS ...]

For every stored same-photo verdict with no turn, no mirror and under 2 % cropped, both files are opened upright
(transparency laid on white), reduced to 64 x 64 and taken to CIELAB; over the pixels coloured in both (chroma 20 or
more), the median difference of hue angle. Pairs in one truth group are copies, the rest different pictures. Pairs
where either file is a turned or mirrored copy by its truth kind are left out (their pixels are not lined up here).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

CHROMA = 20.0
LABELS = ("copy", "different")
BOUND, SHARE = 90.0, 0.2  # a candidate rule: this far apart in hue, over this share coloured in both
TURNED = {"rotate", "mirror", "exif_orientation", "mirror_crop_tone", "quarter_thumb"}


def _ab(path: str) -> tuple[np.ndarray, np.ndarray]:
    with Image.open(path) as im:
        rgba = ImageOps.exif_transpose(im).convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
    lab = cv2.cvtColor(np.asarray(rgb, dtype=np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    return lab[..., 1], lab[..., 2]


def hue_apart(a: str, b: str) -> tuple[float, float]:
    """(median hue difference in degrees over pixels coloured in both, share of such pixels)."""
    a1, b1 = _ab(a)
    a2, b2 = _ab(b)
    both = (np.hypot(a1, b1) >= CHROMA) & (np.hypot(a2, b2) >= CHROMA)
    if both.mean() < 0.02:
        return 0.0, float(both.mean())
    turn = np.angle(np.exp(1j * (np.arctan2(b1, a1) - np.arctan2(b2, a2))))
    return float(np.median(np.abs(turn[both])) * 180 / np.pi), float(both.mean())


def _pairs(spec: str) -> list[tuple[str, float, float, str, str]]:
    name, store, truth_path, root = spec.split(",")
    truth = json.loads(Path(truth_path).read_text())
    group, kind = {}, {}
    for g in truth["groups"]:
        for f in g["files"]:
            rel = os.path.relpath(f, "photos")
            group[rel], kind[rel] = g["id"], g.get("kinds", {}).get(f)
    con = sqlite3.connect(store)
    paths = dict(con.execute("select id, path from files"))
    out = []
    for a, b, text in con.execute("select a, b, verdict from verdicts where verdict like '%same-photo%'"):
        v = json.loads(text)
        if v["verdict"] != "same-photo" or v["rotation"] or v["mirrored"] or v["crop_fraction"] > 0.02:
            continue
        ra, rb = os.path.relpath(paths[a], root), os.path.relpath(paths[b], root)
        if kind.get(ra) in TURNED or kind.get(rb) in TURNED:
            continue
        try:
            apart, share = hue_apart(paths[a], paths[b])
        except OSError:
            continue
        out.append((label_of(group, ra, rb), apart, share, ra, rb))
    print(f"{name}: {len(out)} pairs")
    return out


def label_of(group: dict[str, str], ra: str, rb: str) -> str:
    """ "copy" when the truth puts both files in one group, else "different"."""
    return "copy" if group.get(ra) is not None and group.get(ra) == group.get(rb) else "different"


def print_quantiles(rows: list, what: str, digits: int) -> None:
    """Median, 90th and 99th percentile and most of each label's rows' second value."""
    for label in LABELS:
        values = sorted(r[1] for r in rows if r[0] == label)
        if values:
            q = [round(values[int(p * (len(values) - 1))], digits) for p in (0.5, 0.9, 0.99, 1.0)]
            print(f"{label:9} {len(values):5} pairs; {what}, median / 90th / 99th percentile / most: {q}")


def main(specs: list[str]) -> int:
    rows = [row for spec in specs for row in _pairs(spec)]
    print_quantiles(rows, "hue apart", 1)
    caught = {label: sum(1 for r in rows if r[0] == label and r[1] >= BOUND and r[2] >= SHARE) for label in LABELS}
    print(f"{BOUND:.0f} degrees apart or more over {SHARE:.0%} of the picture or more: {caught}")
    for label in LABELS:
        print(f"{label} pairs 30 degrees apart or more (degrees, share coloured in both):")
        for r in sorted((r for r in rows if r[0] == label and r[1] >= 30), key=lambda r: -r[1])[:12]:
            print(f"  {r[1]:6.1f} {r[2]:5.2f}  {r[3]}  {r[4]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
