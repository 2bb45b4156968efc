"""Synthetic candidate search: n images' pHashes with their 8 rotations/mirrors, searched within a radius.

Hashes are random 64-bit values, plus planted near-copies (a few bits flipped, under a random transform) so the
search has true pairs to find; reports time, pairs found, recall of the planted pairs and peak memory.

Usage: python bench/bench_hash_search.py [--n 100000] [--radius 10]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dedup_gui.core.index import dihedral_hash_pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--radius", type=int, default=10)
    ap.add_argument("--planted", type=int, default=5_000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, np.iinfo(np.uint64).max, size=(args.n, 8), dtype=np.uint64, endpoint=True)
    # plant copies: image k+half is image k under a random transform, with up to radius/2 bits flipped
    src = rng.choice(args.n // 2, args.planted, replace=False)
    dst = src + args.n // 2
    for s, d in zip(src, dst, strict=True):
        t = rng.integers(0, 8)
        flips = np.uint64(0)
        for b in rng.choice(64, rng.integers(0, args.radius // 2 + 1), replace=False):
            flips |= np.uint64(1) << np.uint64(b)
        hashes[d, 0] = hashes[s, t] ^ flips
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    a, b, _, _ = dihedral_hash_pairs(hashes, args.radius)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    recall = sum((int(s), int(d)) in found for s, d in zip(src, dst, strict=True)) / len(src)
    print(
        f"{args.n} images x 8 transforms, radius {args.radius}: {seconds:.2f} s, {len(found)} pairs, "
        f"planted recall {recall:.3f}, peak RSS {peak / 1024:.0f} MB (+{(peak - before) / 1024:.0f} MB in search)"
    )


if __name__ == "__main__":
    main()
