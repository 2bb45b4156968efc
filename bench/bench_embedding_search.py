"""Synthetic candidate search over n embeddings: hnswlib on PCA-reduced vectors, re-scored with the full ones.

Vectors are random unit vectors in 1280 dimensions with planted near-copies (cosine about 0.9 to their source);
reports time, planted recall and peak memory. Usage: python bench/bench_embedding_search.py [--n 100000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dedup_gui.core.index import embedding_pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=1280)
    ap.add_argument("--planted", type=int, default=5_000)
    ap.add_argument("--rotations", action="store_true", help="also query 3 extra vectors per item")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    # clustered like real embeddings: a low-rank part shared by all plus noise
    basis = rng.standard_normal((64, args.dim)).astype(np.float32)
    vectors = np.empty((args.n, args.dim), dtype=np.float32)
    for lo in range(0, args.n, 10_000):  # in chunks, so the set-up does not set the memory peak
        hi = min(args.n, lo + 10_000)
        chunk = rng.standard_normal((hi - lo, 64), dtype=np.float32) @ basis
        chunk += 2.0 * rng.standard_normal((hi - lo, args.dim), dtype=np.float32)
        vectors[lo:hi] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    src = rng.choice(args.n // 2, args.planted, replace=False)
    dst = src + args.n // 2
    noise = rng.standard_normal((args.planted, args.dim)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    vectors[dst] = 0.9 * vectors[src] + 0.436 * noise
    vectors[dst] /= np.linalg.norm(vectors[dst], axis=1, keepdims=True)
    extra = None
    if args.rotations:
        turned = np.concatenate([np.roll(vectors, s, axis=1) for s in (1, 2, 3)])
        extra = (np.tile(np.arange(args.n), 3), turned)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    a, b, _ = embedding_pairs(vectors, k=12, min_cosine=0.8, extra=extra)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    found = set(zip(a.tolist(), b.tolist(), strict=True))
    recall = sum((int(s), int(d)) in found for s, d in zip(src, dst, strict=True)) / len(src)
    print(
        f"{args.n} embeddings x {args.dim}: {seconds:.1f} s, {len(found)} pairs >= 0.8, planted recall {recall:.3f}, "
        f"peak RSS {peak / 1024:.0f} MB (+{(peak - before) / 1024:.0f} MB in search)"
    )


if __name__ == "__main__":
    main()
