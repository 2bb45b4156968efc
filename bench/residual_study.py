"""The pairs a scan verified whose clear keypoint fit fails on its median error or its wrong matches alone, labelled by
the set's truth: the evidence for verify's noisy_residual, quiet_outliers, copy_changed and keystone_left.

For each stored verdict with a clear keypoint fit (similar_inliers or more), the pair is measured again from the
store's thumbnails (b as is and mirrored). A fit is listed when, without this round's leeway, it fails on the error
(median inlier error over max_residual), on the wrong matches (more than max(max_outliers, inliers) with under 30
inliers) or on both, and passes every other test. The line shows what tells the cases apart: the changed share
(pixels that agree as a copy's do), the share of the error a perspective map of the same points leaves (`unbent`:
near 1 for the points' noise, small for a keystone), the wrong matches per right one, and whether it is a copy now.
A label is `copy` (one truth group, neither file another shot), `shot` (one group, one file another shot) or `diff`.

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


def pair_label(label: dict[str, tuple[str, str]], pa: str, pb: str) -> str:
    """`copy` (one truth group, neither file another shot), `shot` (one group, one file another shot) or `diff`."""
    la, lb = label.get(pa), label.get(pb)
    if la is None or lb is None or la[0] != lb[0]:
        return "diff"
    return "shot" if "similar" in (la[1], lb[1]) else "copy"


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

            def before(x: verify.Measurements) -> bool:  # a copy without the leeway for pixels that agree
                return verify._score(x, th, quiet_ok=False)[0] >= 0.5

            if before(m):
                continue
            error, wrong = before(replace(m, residual=0.0)), before(replace(m, matches=m.inliers))
            if not (error or wrong or before(replace(m, residual=0.0, matches=m.inliers))):
                continue  # something else fails too
            fails = "error" if error else "wrong" if wrong else "both"
            kind = pair_label(label, pa, pb)
            now = verify._score(m, th)[0] >= 0.5
            per = (fit.matches - fit.inliers) / fit.inliers
            found.append((kind, fails, m.changed, m.residual, m.unbent, per, m.ncc, fit.inliers, now, pa, pb))
    print("label  fails  changed  error  unbent  wrong/right  ncc    inliers  copy now  a | b")
    for kind, fails, changed, res, unbent, per, ncc, inliers, now, pa, pb in sorted(found):
        print(
            f"{kind:5}  {fails:5}  {changed:7.3f}  {res:5.2f}  {unbent:6.2f}  {per:11.2f}  {ncc:5.3f}  {inliers:7d}  "
            f"{now!s:8}  {os.path.basename(pa)} | {os.path.basename(pb)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
