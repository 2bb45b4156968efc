"""Calibrate dedup_gui.core.verify on ground-truth evaluation sets (give dev and dev-large: a threshold must hold
on both): per-kind verdicts, measurement spreads, timing.

Usage: python bench/calibrate_verify.py ../shared/evaldata/dev ../shared/evaldata/dev-large [--measures]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import logging
import random
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageOps

from dedup_gui.core import verify

log = logging.getLogger("dedup_gui.bench.calibrate_verify")
SIDE = 256
MEASURES = ("ncc", "changed", "tone", "protrusion", "residual", "unbent", "inliers")


def load_thumb(path: Path) -> np.ndarray:
    """Decode like the pipeline does: EXIF orientation applied, RGB, long side 256 (never upscaled)."""
    with Image.open(path) as raw:
        raw.draft("RGB", (SIDE, SIDE))
        im = ImageOps.exif_transpose(raw).convert("RGB")
    im.thumbnail((SIDE, SIDE), Image.Resampling.LANCZOS)
    return np.asarray(im)


def build_pairs(truth: dict, n_random: int, seed: int, variant_pairs: bool) -> list[tuple[str, str, str]]:
    """(kind, a, b): original-variant pairs per kind, similar shots, hard negatives and random negatives."""
    pairs = []
    for g in truth["groups"]:
        orig = g["original"]
        pairs += [(k, orig, f) for f, k in g["kinds"].items() if k != "original"]
        if variant_pairs:
            others = [f for f, k in g["kinds"].items() if k not in ("original", "similar")]
            pairs += [("variant-variant", a, b) for a, b in itertools.combinations(others, 2)]
    for hn in truth["hard_negatives"]:
        pairs += [(f"neg:{hn['id']}", a, b) for a, b in itertools.combinations(hn["files"], 2)]
    rng = random.Random(seed)
    pools = [g["files"] for g in truth["groups"]] + [[s] for s in truth["singletons"]]
    seen: set[tuple[str, str]] = set()
    tries = 0
    while len(seen) < n_random and tries < 100 * n_random:
        tries += 1
        i, j = rng.sample(range(len(pools)), 2)
        a, b = rng.choice(pools[i]), rng.choice(pools[j])
        if (a, b) not in seen:
            seen.add((a, b))
            pairs.append(("neg:random", a, b))
    return pairs


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.percentile(np.asarray(values, float), [0, 10, 50, 90, 100])
    return " ".join(f"{v:7.3f}" for v in q)


Row = tuple[str, str, str, verify.Measurements, verify.Verification]


def share(rows: list[Row], verdict: str) -> float:
    return sum(r[4].verdict == verdict for r in rows) / max(len(rows), 1)


def is_copy_kind(kind: str) -> bool:
    return not kind.startswith("neg:") and kind not in ("similar", "variant-variant")


def is_wrong(kind: str, verdict: str) -> bool:
    """Copies must be same-photo, similar shots must not be, negatives must be different."""
    if kind.startswith("neg:"):
        return verdict != "different"
    if kind == "similar":
        return verdict == "same-photo"
    return kind != "variant-variant" and verdict != "same-photo"


def load_features(root: Path, names: set[str]) -> tuple[dict[str, verify.Features], float, float]:
    """Features per readable file, plus total decode and feature seconds; unreadable files are skipped."""
    feats: dict[str, verify.Features] = {}
    t_load = t_feat = 0.0
    for name in sorted(names):
        t0 = time.perf_counter()
        try:
            thumb = load_thumb(root / name)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            log.warning("skip %s: %s", name, exc)
            continue
        t1 = time.perf_counter()
        feats[name] = verify.features(thumb)
        t_load += t1 - t0
        t_feat += time.perf_counter() - t1
    return feats, t_load, t_feat


def print_table(by_kind: dict[str, list[Row]], order: list[str]) -> None:
    print(f"{'kind':18s} {'n':>4s} {'same':>5s} {'simil':>5s} {'diff':>5s} {'same%':>6s}   score min/p10/med/p90/max")
    for kind in order:
        rs = by_kind[kind]
        same = share(rs, "same-photo")
        flag = ""
        if kind.startswith("neg:") and same:
            flag = "  <-- negatives judged same-photo"
        elif kind == "similar" and same > 0.1:
            flag = "  <-- similar leak above 10 %"
        elif is_copy_kind(kind) and same < 0.9:
            flag = "  <-- below 90 %"
        counts = " ".join(f"{sum(r[4].verdict == v for r in rs):5d}" for v in ("same-photo", "similar", "different"))
        print(f"{kind:18s} {len(rs):4d} {counts} {100 * same:5.0f}%   {quantiles([r[4].score for r in rs])}{flag}")


def calibrate(root: Path, args: argparse.Namespace) -> list[Row]:
    """Verify one set's pairs and print its per-kind table (and the measurements, wrong pairs, timing)."""
    truth = json.loads((root / "truth.json").read_text())
    broken = set(truth.get("broken", []))
    pairs = [
        p
        for p in build_pairs(truth, args.random, args.seed, args.variant_pairs)
        if p[1] not in broken and p[2] not in broken
    ]
    feats, t_load, t_feat = load_features(root, {f for _, a, b in pairs for f in (a, b)})

    th = verify.DEFAULT_THRESHOLDS
    rows: list[Row] = []
    t_pair = c_pair = 0.0
    for kind, a, b in pairs:
        if a not in feats or b not in feats:
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        m = verify.measure(feats[a], feats[b], th, dense=not args.keypoints_only)
        v = verify.classify(m, feats[a], feats[b], th)
        t_pair += time.perf_counter() - t0
        c_pair += time.process_time() - c0
        rows.append((kind, a, b, m, v))

    by_kind: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_kind[r[0]].append(r)
    order = sorted(by_kind, key=lambda k: (k.startswith("neg:"), k == "similar", k))
    print(f"\n== {root} ==\nthresholds: {th}\n")
    print_table(by_kind, order)
    if args.measures:
        for name in MEASURES:
            print(f"\n{name} (min/p10/med/p90/max over pairs with a transform)")
            for kind in order:
                vals = [float(getattr(r[3], name)) for r in by_kind[kind] if r[3].matrix is not None]
                print(f"  {kind:18s} {len(vals):4d}  {quantiles(vals)}")
    listed = set(args.list.split(",")) - {""}
    for kind, a, b, m, v in rows:
        wrong = is_wrong(kind, v.verdict)
        if kind in listed or wrong:
            print(
                f"{'WRONG ' if wrong else ''}{kind}: {a} | {b}\n    {v.verdict} score={v.score:.3f} "
                f"inl={m.inliers}/{m.matches} ncc={m.ncc:.4f} changed={m.changed:.3f} tex={m.texture} "
                f"prot={m.protrusion:.4f} res={m.residual:.3f} angle={m.angle:.2f} scale={m.scale:.3f} "
                f"tone={m.tone:.3f} dense={m.dense} "
                f"| {v.description}"
            )

    copies = [k for k in order if is_copy_kind(k)]
    low = [f"{k} {100 * share(by_kind[k], 'same-photo'):.0f}%" for k in copies if share(by_kind[k], "same-photo") < 0.9]
    negs = [r for k in order if k.startswith("neg:") for r in by_kind[k]]
    print(f"\ncopy kinds below 90 % same-photo: {', '.join(low) or 'none'}")
    if by_kind.get("similar"):
        print(
            f"similar shots judged same-photo: {100 * share(by_kind['similar'], 'same-photo'):.0f} % (target <= 10 %)"
        )
    print(
        f"negatives: {len(negs)} pairs, {sum(r[4].verdict == 'same-photo' for r in negs)} same-photo, "
        f"{sum(r[4].verdict == 'similar' for r in negs)} similar"
    )
    n_img, n_pair = max(len(feats), 1), max(len(rows), 1)
    print(
        f"images {len(feats)}: decode {1000 * t_load / n_img:.1f} ms, features {1000 * t_feat / n_img:.1f} ms "
        f"per image; pairs {len(rows)}: verify {1000 * t_pair / n_pair:.2f} ms wall, "
        f"{1000 * c_pair / n_pair:.2f} ms CPU per pair"
    )
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "roots", nargs="+", type=Path, help="evaluation sets, each a folder with truth.json (dev, dev-large)"
    )
    ap.add_argument("--random", type=int, default=300, help="random cross-group / singleton negative pairs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant-pairs", action="store_true", help="also verify variant-variant pairs in a group")
    ap.add_argument("--measures", action="store_true", help="print min/p10/median/p90/max of each measurement")
    ap.add_argument("--list", default="", help="comma-separated kinds whose pairs are printed one by one")
    ap.add_argument("--dump", type=Path, help="write every pair's measurements to this JSON file")
    ap.add_argument(
        "--keypoints-only", action="store_true", help="no dense fallback (the scan uses it for strong candidates)"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    pillow_heif.register_heif_opener()
    rows = [row for root in args.roots for row in calibrate(root, args)]
    if args.dump:
        out = [
            {"kind": k, "a": a, "b": b, "verdict": v.verdict, "score": v.score}
            | {f.name: getattr(m, f.name) for f in dataclasses.fields(m) if f.name != "matrix"}
            | {"matrix": None if m.matrix is None else m.matrix.tolist()}
            for k, a, b, m, v in rows
        ]
        args.dump.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
