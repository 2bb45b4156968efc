"""The pairs a scan verified whose clear keypoint fit fails on its median error alone, labelled by the set's truth:
the evidence for verify's noisy_residual, copy_changed and keystone_left.

For each stored verdict with a clear keypoint fit (similar_inliers or more), the pair is measured
again from the store's thumbnails (b as is and mirrored). A fit is listed when every test but the error passes, and
the line shows what tells its error apart: the error itself, the share a perspective map of the same points leaves
(`unbent`: near 1 for the points' noise, small for a keystone), the changed share and the correlation. A label is
`copy` (one truth group, neither file another shot), `shot` (one group, one file another shot) or `diff`.

Usage: python bench/residual_study.py STORE TRUTH_JSON      (STORE: a scan of the set's photos with --db STORE)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
from dataclasses import replace

import numpy as np
from PIL import Image

from dedup_gui.core import keypoints, verify


def labels(truth_path: str) -> dict[str, tuple[str, str]]:
    """Absolute path -> (truth group, kind)."""
    root = os.path.dirname(os.path.abspath(truth_path))
    with open(truth_path) as f:
        truth = json.load(f)
    return {
        os.path.join(root, path): (g["id"], g["kinds"].get(path, "")) for g in truth["groups"] for path in g["files"]
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("store")
    ap.add_argument("truth")
    args = ap.parse_args()
    label = labels(args.truth)
    th = verify.DEFAULT_THRESHOLDS
    con = sqlite3.connect(args.store)
    rows = con.execute(
        "SELECT f1.path, f2.path, v.verdict, i1.thumb, i2.thumb FROM verdicts v "
        "JOIN files f1 ON f1.id = v.a JOIN files f2 ON f2.id = v.b "
        "JOIN images i1 ON i1.file_id = v.a JOIN images i2 ON i2.file_id = v.b"
    )
    made: dict[str, verify.Features] = {}

    def features(path: str, blob: bytes) -> verify.Features:
        if path not in made:
            with Image.open(io.BytesIO(blob)) as img:
                made[path] = verify.features(np.asarray(img.convert("RGB")))
        return made[path]

    found = []
    for pa, pb, text, ta, tb in rows:
        v = json.loads(text)
        if v.get("by_hashes") or v["inliers"] < th.similar_inliers or not ta or not tb:
            continue
        fa, fb = features(pa, ta), features(pb, tb)
        for mirrored in (False, True):
            fit = keypoints.fit(
                fa.points, fa.descriptors, fb.points, fb.descriptors, fb.gray.shape[1],
                mirrored=mirrored, ratio=th.ratio, ransac_px=th.ransac_px,
            )  # fmt: skip
            if fit.inliers < th.similar_inliers:
                continue
            m = verify._fitted(fa, fb, fit, th)
            if verify._score(replace(m, residual=0.0), th)[0] < 0.5 or m.residual <= th.max_residual:
                continue  # something besides the error fails, or nothing does
            la, lb = label.get(pa), label.get(pb)
            kind = ("shot" if "similar" in (la[1], lb[1]) else "copy") if la and lb and la[0] == lb[0] else "diff"
            now = verify._score(m, th)[0] >= 0.5
            found.append((kind, m.changed, m.residual, m.unbent, m.ncc, fit.inliers, mirrored, now, pa, pb))
    print("label  changed  error  unbent  ncc    inliers  mirrored  copy now  a | b")
    for kind, changed, res, unbent, ncc, inliers, mirrored, now, pa, pb in sorted(found):
        print(
            f"{kind:5}  {changed:7.3f}  {res:5.2f}  {unbent:6.2f}  {ncc:5.3f}  {inliers:7d}  {mirrored!s:8}  "
            f"{now!s:8}  {os.path.basename(pa)} | {os.path.basename(pb)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
