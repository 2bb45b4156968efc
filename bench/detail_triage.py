"""The candidates whose thumbnails leave them open, and what their larger decode then finds: the evidence for
settling some of them on the thumbnails (checker._unplaced).

    python bench/detail_triage.py STORE --truth TRUTH.json --root ROOT [--band closer] [--sample N] [--out rows.json]

For each strong candidate (close hashes or cosine >= DENSE_COSINE) of the store's last scan, or with `--band closer`
each candidate of the band under them (cosine >= CLOSER_COSINE), the thumbnails are verified again as the checker
verifies them (keypoints, then whole-picture alignment; in the closer band from placements that line up almost
exactly). A pair the checker sent to a larger decode before `_unplaced` (a copy or other shot by pictures short of
detail; a strong candidate not a copy with fewer than `dense_keypoints` in the poorer picture; a closer one the
same, of pictures that show detail otherwise) is verified again on larger decodes as the checker does, timed, with
no decode reused between runs of the script. Each such pair can be written as a row (`--out`): the thumbnails'
measurements, what the larger decode said, whether the truth calls it a copy, and the time of each step. Printed:
per kind of pair, how many, their larger decodes' seconds, the verdicts those changed and the true copies they
made; last, the same for the pairs `_unplaced` now settles on the thumbnails, which is what that rule gives up.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_bands import stored_contents, true_pairs

from dedup_gui.core import verify
from dedup_gui.core.candidates import candidates
from dedup_gui.core.checker import (
    PairChecker,
    _few,
    _short_of_keypoints,
    _unplaced,
    _unsure,
    content_sources,
    stored_thumbnails,
)
from dedup_gui.core.linking import CLOSER_COSINE, DENSE_COSINE
from dedup_gui.core.store import Store


def summary(rows: list[dict], strong: int, spent: dict[str, float]) -> None:
    """Per kind of pair: how many, their larger decodes' seconds, what those decodes changed; then the same for
    the pairs the checker now settles on the thumbnails (`_unplaced`), which is what that rule gives up."""
    print(f"{strong} candidates ({spent['thumb']:.1f} s on thumbnails); {len(rows)} sent to a larger decode")
    print("| why | thumbnails say | pictures | pairs | larger decodes, s | changed to | true copies it made |")
    print("|---|---|---|---|---|---|---|")
    kinds: dict[tuple[str, str, str], list[dict]] = {}
    for r in rows:
        pictures = ("sparse" if r["sparse"] else "detailed") + (", plain" if r["plain"] else "")
        kinds.setdefault((r["why"], r["thumb_verdict"], pictures), []).append(r)
    kinds["settled now (_unplaced)", "", ""] = [r for r in rows if r["unplaced"]]
    for (why, said, pictures), group in sorted(kinds.items()):
        changed = Counter(r["detail_verdict"] for r in group if r["detail_verdict"] not in (None, r["thumb_verdict"]))
        made = sum(r["copy"] and r["detail_verdict"] == "same-photo" != r["thumb_verdict"] for r in group)
        seconds = sum(r["detail_s"] for r in group)
        print(f"| {why} | {said} | {pictures} | {len(group)} | {seconds:.1f} | {dict(changed) or '-'} | {made} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--band", choices=("strong", "closer"), default="strong", help="which candidates")
    parser.add_argument("--sample", type=int, default=0, help="candidates looked at (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    store = Store(args.store)
    contents, config = stored_contents(store)
    found = candidates(contents, config, lambda: None)
    truth = true_pairs(args.truth, args.root)
    closer = args.band == "closer"
    strong = [
        (i, j)
        for (i, j), c in found.items()
        if (c.hash_close or (c.cosine or 0.0) >= DENSE_COSINE) != closer
        and (not closer or (c.cosine or 0.0) >= CLOSER_COSINE)
    ]
    if args.sample and args.sample < len(strong):
        strong = random.Random(args.seed).sample(strong, args.sample)
    thumbnails = stored_thumbnails(store, contents)
    checker = PairChecker(thumbnails, sources=content_sources(contents))
    feats: dict[int, verify.Features | None] = {}

    def features(k: int) -> verify.Features | None:
        if k not in feats:
            img = thumbnails([k]).get(k)
            feats[k] = None if img is None else verify.features(img)
        return feats[k]

    rows = []
    spent = {"thumb": 0.0, "detail": 0.0}
    for n, (i, j) in enumerate(strong):
        fa, fb = features(i), features(j)
        if fa is None or fb is None:
            continue
        start = time.perf_counter()
        m = verify.measure(fa, fb, dense=True, strict=closer)
        v = verify.classify(m, fa, fb)
        thumb_s = time.perf_counter() - start
        spent["thumb"] += thumb_s
        if not (_unsure(v) or (_few(v) if closer else _short_of_keypoints(v))):  # sent on before _unplaced
            continue
        start = time.perf_counter()
        d = checker._verify_detail((i, j), not closer or _unsure(v))
        detail_s = time.perf_counter() - start
        spent["detail"] += detail_s
        kp = verify._by_keypoints(fa, fb, verify.DEFAULT_THRESHOLDS)
        c = found[(i, j)]
        pa, pb = str(Path(contents[i].paths[0]).resolve()), str(Path(contents[j].paths[0]).resolve())
        rows.append(
            {
                "a": pa,
                "b": pb,
                "copy": frozenset((pa, pb)) in truth,
                "unplaced": _unplaced(v),
                "why": "unsure" if _unsure(v) else "few keypoints",
                "plain": v.plain,
                "sparse": v.sparse,
                "cosine": c.cosine,
                "hash_close": c.hash_close,
                "kp_poor": min(len(fa.points), len(fb.points)),
                "kp_rich": max(len(fa.points), len(fb.points)),
                "kp_matches": kp.matches,
                "kp_inliers": kp.inliers,
                "kp_ncc": kp.ncc,
                "scale": m.scale,
                "uncovered": max(m.uncovered_a, m.uncovered_b),
                "dense": m.dense,
                "aligned": m.matrix is not None,
                "ncc": m.ncc,
                "changed": m.changed,
                "tone": m.tone,
                "protrusion": m.protrusion,
                "score": v.score,
                "thumb_verdict": v.verdict,
                "detail_verdict": None if d is None else d.verdict,
                "detail_score": None if d is None else d.score,
                "detail_inliers": None if d is None else d.inliers,
                "detail_dense": None if d is None else d.dense,
                "thumb_s": thumb_s,
                "detail_s": detail_s,
            }
        )
        if n % 200 == 0:
            print(f"{n}/{len(strong)} pairs, {len(rows)} sent to a larger decode", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(rows))
    summary(rows, len(strong), spent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
