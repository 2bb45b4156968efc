"""How far each placement of whole-picture alignment lines up at the coarse look, and which verdicts that alignment
changes: the evidence for dense.STRICT_LOOK (the look a pair under the strong candidates must pass).

    python bench/dense_looks.py STORE --truth TRUTH.json --root ROOT [--loose] [--out rows.json]

For each candidate pair of the store's last scan that the checker aligns from the whole picture (close hashes, or
cosine >= linking.CLOSER_COSINE) and whose poorer thumbnail has fewer than `dense_keypoints`, the thumbnails are
verified twice on one thread: by keypoints alone, and as the checker does for the pair's band (strong candidates
with the usual look, the band under them with STRICT_LOOK; `--loose`: every band with the usual look, which is what
STRICT_LOOK was chosen on). Each coarse run's correlation after dense._LOOK steps is
recorded. Printed per band: the pairs, the thread seconds of their whole-picture alignment, every pair whose verdict
that alignment changed (with the truth's word on it and the best look among its placements), and how many of the
other pairs had a placement whose look reached 0.7, 0.8, 0.9 and 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verify_bands import stored_contents, true_pairs

from dedup_gui.core import dense, keypoints, linking, verify
from dedup_gui.core.candidates import candidates
from dedup_gui.core.checker import stored_thumbnails
from dedup_gui.core.store import Store

_looks: list[float] = []  # the looks of the pair being verified
_ecc_steps = dense._ecc_steps
_last: list[object] = [None]  # the warp the last ECC run returned: a run going on from it is no new look


def _recorded_steps(ga, gb, warp, steps):  # type: ignore[no-untyped-def]
    """dense._ecc_steps, recording the correlation of each coarse run's look (a run's first steps)."""
    found = _ecc_steps(ga, gb, warp, steps)
    if steps == dense._LOOK and max(ga.shape) == dense._COARSE and warp is not _last[0]:
        _looks.append(0.0 if found is None else found[1])
    _last[0] = None if found is None else found[0]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--loose", action="store_true", help="the usual look for every band")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    dense._ecc_steps = _recorded_steps  # type: ignore[assignment]
    store = Store(args.store)
    truth = true_pairs(args.truth, args.root)
    contents, config = stored_contents(store)
    found = candidates(contents, config, lambda: None)
    bands = {}
    for pair, c in found.items():
        if c.hash_close or (c.cosine is not None and c.cosine >= linking.DENSE_COSINE):
            bands[pair] = "strong"
        elif c.cosine is not None and c.cosine >= linking.CLOSER_COSINE:
            bands[pair] = "closer"
    wanted = sorted({k for pair in bands for k in pair})
    thumbs = stored_thumbnails(store, contents)(wanted)
    feats = {k: verify.features(image) for k, image in thumbs.items()}
    few = verify.DEFAULT_THRESHOLDS.dense_keypoints
    rows = []
    with keypoints.single_threaded():
        for (i, j), band in bands.items():
            fa, fb = feats.get(i), feats.get(j)
            if fa is None or fb is None or min(len(fa.points), len(fb.points)) >= few:
                continue
            alone = verify.verify_features(fa, fb)
            _looks.clear()
            start = time.perf_counter()
            aligned = verify.verify_features(fa, fb, dense=True, strict=band == "closer" and not args.loose)
            seconds = time.perf_counter() - start
            paths = [str(Path(contents[k].paths[0]).resolve()) for k in (i, j)]
            rows.append(
                {
                    "band": band,
                    "a": paths[0],
                    "b": paths[1],
                    "cosine": found[(i, j)].cosine,
                    "true": frozenset(paths) in truth,
                    "keypoints": alone.verdict,
                    "aligned": aligned.verdict,
                    "look": max(_looks, default=None),
                    "seconds": seconds,
                }
            )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    for band in ("strong", "closer"):
        mine = [r for r in rows if r["band"] == band]
        changed = [r for r in mine if r["aligned"] != r["keypoints"]]
        print(f"{band}: {len(mine)} pairs short of keypoints, {sum(r['seconds'] for r in mine):.1f} s aligned")
        for verdict in ("same-photo", "similar", "different"):
            to = [r for r in changed if r["aligned"] == verdict]
            if to:
                looks = [r["look"] for r in to if r["look"] is not None]
                lowest = f", lowest look {min(looks):.3f}" if looks else ""
                print(f"  made {verdict}: {len(to)} pairs ({sum(r['true'] for r in to)} copies by the truth){lowest}")
        for r in sorted(changed, key=lambda r: -(r["look"] or 0)) if band == "closer" else ():
            look = "none" if r["look"] is None else f"{r['look']:.3f}"
            cosine = "none" if r["cosine"] is None else f"{r['cosine']:.3f}"
            truth_word = "copy" if r["true"] else "not a copy"
            print(
                f"    {r['keypoints']} -> {r['aligned']} ({truth_word}), look {look}, cosine {cosine}: "
                f"{Path(r['a']).name} | {Path(r['b']).name}"
            )
        others = [r["look"] or 0.0 for r in mine if r["aligned"] == r["keypoints"]]
        share = [sum(x >= t for x in others) / max(len(others), 1) for t in (0.7, 0.8, 0.9, 0.95)]
        shares = ", ".join(f"{t}: {v:.2f}" for t, v in zip((0.7, 0.8, 0.9, 0.95), share, strict=True))
        print(f"  the other {len(others)} pairs with a look of at least {shares}")


if __name__ == "__main__":
    main()
