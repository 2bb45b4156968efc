"""How often verification would make an image's features again, for the order pairs are verified in: the candidate
pairs of a scanned library, replayed through the checker's feature budget without verifying anything.

    python bench/bench_verify_order.py FOLDER STORE [--budget-mb 512] [--image-kb 65]

STORE is a store a scan of FOLDER left (decodes and embeddings are read from a copy of it; nothing is decoded).
The scan runs up to the verification of its candidates, which are recorded instead of verified; then each order
is replayed batch by batch as PairChecker runs it (256 pairs, features of the batch's images made when missing,
least recently used dropped past the budget) and the number of feature makes is printed per image. A make is a
SIFT run on a thumbnail (about 10 ms of CPU), so this predicts the matching stage's growth with the library
in seconds instead of hours.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from scan_candidates import scan_with_candidates

from dedup_gui.core import checker
from dedup_gui.core.verify_batches import local_order

BATCH = checker._CHUNK  # pairs per batch, as the checker takes them


def replay(order: list[tuple[int, int]], capacity: int) -> int:
    """Feature makes for verifying `order` with room for `capacity` images' features (the checker's LRU)."""
    kept: OrderedDict[int, None] = OrderedDict()
    made = 0
    for lo in range(0, len(order), BATCH):
        for k in sorted({k for p in order[lo : lo + BATCH] for k in p}):
            if k in kept:
                kept.move_to_end(k)
            else:
                kept[k] = None
                made += 1
        while len(kept) > capacity:
            kept.popitem(last=False)
    return made


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--budget-mb", type=int, default=checker.FEATURE_BUDGET >> 20)
    ap.add_argument("--image-kb", type=int, default=65, help="average features per image (65 KB measured at 10k)")
    ap.add_argument("--pairs", type=Path, help="an .npz of the candidates and clusters: read if there, else written")
    args = ap.parse_args()
    if args.pairs and args.pairs.exists():
        saved = np.load(args.pairs)
        pairs = [(int(a), int(b)) for a, b in saved["pairs"]]
        report(pairs, saved["clusters"], args)
        return 0
    seen: dict[str, object] = {}

    def record(self, pairs, dense=(), closer=(), doubtful=()):  # type: ignore[no-untyped-def]
        found = [checker._unpacked(k) for k in checker._keys(pairs).tolist()]  # the scan passes candidate arrays
        if len(found) > len(seen.get("pairs", ())):  # the candidates; assembly asks for single pairs later
            seen["pairs"], seen["clusters"] = found, self._clusters
        return iter(())

    scan_with_candidates(args.folder, args.store, record)
    pairs: list[tuple[int, int]] = seen["pairs"]  # type: ignore[assignment]
    clusters: np.ndarray = seen["clusters"]  # type: ignore[assignment]
    if args.pairs:
        np.savez(args.pairs, pairs=np.array(pairs, dtype=np.int64).reshape(-1, 2), clusters=clusters)
    report(pairs, clusters, args)
    return 0


def report(pairs: list[tuple[int, int]], clusters: np.ndarray, args: argparse.Namespace) -> None:
    images = len({k for p in pairs for k in p})
    capacity = (args.budget_mb << 20) // (args.image_kb << 10)
    print(f"{len(pairs)} pairs over {images} images; room for {capacity} images' features")
    for name, order in (("as found", pairs), ("by clusters", None)):
        t = time.perf_counter()
        ordered = order if order is not None else local_order(pairs, clusters)
        took = time.perf_counter() - t
        made = replay(ordered, capacity)
        print(f"{name:>12}: {made} makes, {made / images:.2f} per image (ordering {took:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
