"""How much of the picture is in other colours, for the pairs a scan judged copies by their pixels, by their truth:
the study behind colours.IN_PART (a sprite's lights in another colour frame to frame, where the rest agrees).

    python bench/colour_in_part.py NAME,STORE,TRUTH,PHOTOS [NAME,STORE,TRUTH,PHOTOS ...]

Every stored same-photo verdict made by verification (not by hashes) is verified again on the store's thumbnails,
and on the placement found, colours.hue_apart gives the share of the overlap coloured in both and 90 degrees or more
apart in hue. Pairs in one truth group are copies, the rest different pictures. Run it on a store scanned before
the rule (a store the rule made has its copies' verdicts in other colours already "similar").
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np
from colour_variants import LABELS, label_of, print_quantiles
from PIL import Image

from dedup_gui.core import colours, verify


def _thumb(con: sqlite3.Connection, fid: int) -> np.ndarray | None:
    row = con.execute("SELECT thumb FROM images WHERE file_id=?", (fid,)).fetchone()
    if row is None or row[0] is None:
        return None
    with Image.open(io.BytesIO(row[0])) as im:
        return np.asarray(im.convert("RGB"))


def _pairs(spec: str) -> list[tuple[str, float, str, str]]:
    name, store, truth_path, root = spec.split(",")
    truth = json.loads(Path(truth_path).read_text())
    group = {os.path.relpath(f, "photos"): g["id"] for g in truth["groups"] for f in g["files"]}
    con = sqlite3.connect(store)
    paths = dict(con.execute("SELECT id, path FROM files"))
    out = []
    for a, b, text in con.execute("SELECT a, b, verdict FROM verdicts").fetchall():
        v = json.loads(text)
        if v["verdict"] != "same-photo" or v.get("by_hashes"):
            continue
        ta, tb = _thumb(con, a), _thumb(con, b)
        if ta is None or tb is None:
            continue
        fa, fb = verify.features(ta), verify.features(tb)
        m = verify.measure(fa, fb, dense=True)
        if m.matrix is None or fa.colour is None or fb.colour is None:
            continue
        far = colours.hue_apart(fa.colour, fb.colour, m.matrix, fa.gray.shape, fb.gray.shape, m.mirrored)[2]
        ra, rb = os.path.relpath(paths[a], root), os.path.relpath(paths[b], root)
        out.append((label_of(group, ra, rb), far, ra, rb))
    print(f"{name}: {len(out)} pairs")
    return out


def main(specs: list[str]) -> int:
    rows = [row for spec in specs for row in _pairs(spec)]
    print_quantiles(rows, "share in other colours", 4)
    caught = {label: sum(1 for r in rows if r[0] == label and r[1] >= colours.IN_PART) for label in LABELS}
    print(f"{colours.IN_PART} of the overlap or more: {caught}")
    for label in LABELS:
        print(f"{label} pairs with the most in other colours:")
        for r in sorted((r for r in rows if r[0] == label), key=lambda r: -r[1])[:10]:
            print(f"  {r[1]:.4f}  {r[2]}  {r[3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
