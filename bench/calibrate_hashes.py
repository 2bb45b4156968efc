"""Prints, per kind of copy in the dev set, the pHash/dHash distances (best dihedral transform) to the original,
and the distances of look-alike negatives, so the hash thresholds can be chosen with visible margins.

Usage: python bench/calibrate_hashes.py ../shared/evaldata/dev [--db store.sqlite3]
Runs a hash-only scan (cached in the store) and reads each file's hashes back from the store.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from dedup_gui.core.config import ScanConfig
from dedup_gui.core.hashing import hamming
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.worker import ANALYSIS_VERSION


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dataset", type=Path, help="folder holding truth.json and photos/")
    ap.add_argument("--db", type=Path, default=Path("/tmp/dedup-calibrate.sqlite3"))
    args = ap.parse_args()
    truth = json.loads((args.dataset / "truth.json").read_text())
    store = Store(args.db)
    run_scan(ScanConfig(roots=(args.dataset / "photos",), embeddings=False), store=store)
    ids = dict(store.db.execute("SELECT path, id FROM files"))
    cached = store.cached_images(ids.values(), ANALYSIS_VERSION)

    def hashes(rel: str) -> tuple[np.ndarray, np.ndarray] | None:
        fid = ids.get(str((args.dataset / rel).resolve())) or ids.get(str(args.dataset.resolve() / rel))
        c = cached.get(fid) if fid else None
        return (c.phash, c.dhash) if c is not None and hasattr(c, "phash") and not c.info.uniform else None

    def dist(a: str, b: str) -> tuple[int, int] | None:
        ha, hb = hashes(a), hashes(b)
        if ha is None or hb is None:
            return None
        dp = hamming(ha[0][0], hb[0])
        dd = hamming(ha[1][0], hb[1])
        i = int(np.argmin(dp.astype(int) * 2 + dd))
        return int(dp[i]), int(dd[i])

    per_kind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for g in truth["groups"]:
        for f in g["files"]:
            if f != g["original"] and (d := dist(g["original"], f)):
                per_kind[g["kinds"][f]].append(d)
    negatives: list[tuple[int, int]] = []
    for hn in truth["hard_negatives"]:
        for a, b in itertools.combinations(hn["files"], 2):
            if d := dist(a, b):
                negatives.append(d)
    rng = random.Random(0)
    originals = [g["original"] for g in truth["groups"]] + truth["singletons"]
    for a, b in (rng.sample(originals, 2) for _ in range(3000)):
        if d := dist(a, b):
            negatives.append(d)
    print(f"{'kind':18s} {'n':>3s}  pHash distances (sorted)            dHash")
    for kind, ds in sorted(per_kind.items()):
        ps = sorted(d[0] for d in ds)
        dds = sorted(d[1] for d in ds)
        print(f"{kind:18s} {len(ds):3d}  {ps}  {dds}")
    neg = np.array(negatives)
    print(
        f"negatives: {len(neg)} pairs; smallest pHash {sorted(neg[:, 0])[:10]}; smallest dHash {sorted(neg[:, 1])[:10]}"
    )
    for tp in (8, 10, 12, 14):
        for td in (12, 14, 16, 18):
            fp = int(((neg[:, 0] <= tp) & (neg[:, 1] <= td)).sum())
            print(f"  pHash<={tp:2d} dHash<={td:2d}: negatives passing {fp}")


if __name__ == "__main__":
    main()
