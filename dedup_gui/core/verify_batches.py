"""Verifying many candidate pairs with bounded memory: the order that lets few features serve many pairs.

One image's verification features (a 256-px grey image and up to 300 SIFT descriptors) take 50-90 KB. Holding
every needed image's features at once costs 0.65 GB at 10,000 photos and 6.5 GB at 100,000, so the checker
(checker.PairChecker) verifies pairs in an order that keeps the images they share close together and keeps
features within a budget, least recently used dropped first (made again if a later pair needs them).

The order: images are put in clusters of about `cluster` by their embeddings (k-means on a random projection; a
candidate pair is close in embedding space, so most pairs fall inside one cluster or between two neighbouring
ones), and pairs are taken cluster pair by cluster pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Bytes of features kept at most: 4,100 images' on the simulated library (65 KB each on average, at most 90 KB:
# a 256-px grey image and up to 300 SIFT descriptors). On a simulated library of 10,000
# photos (9.4 candidate pairs each, a candidate graph with little locality) features were made 2.26x per image
# with room for 2,048 images, 1.23x for 4,096 and about once for 8,192; past that, the share of the images that
# fit sets how often features are needed again, and only the first time is SIFT (13 ms): later their keypoints are
# read back from a scratch file (spill.py, under 1 ms with the thumbnail's decode). Replayed in the checker's order
# (bench_verify_order.py, 10k library with the budget scaled down as 100k photos have it), halving the budget from
# 512 MB took 4.4 -> 5.8 makes per image: about 140,000 more reads at 100,000 photos (a couple of minutes of
# two hours' matching) for 256 MB less memory, which a 100k library needs to stay under 2 GB.
BUDGET = 256 << 20
Pair = tuple[int, int]


def cluster_ids(vectors: Sequence[np.ndarray | None], cluster: int = 512, seed: int = 0) -> np.ndarray:
    """A cluster number for each item by k-means on its vector (-1 without one); about `cluster` items each."""
    have = [k for k, v in enumerate(vectors) if v is not None]
    out = np.full(len(vectors), -1, dtype=np.int64)
    if len(have) <= cluster:
        out[have] = 0
        return out
    rng = np.random.default_rng(seed)
    dim = len(vectors[have[0]])  # type: ignore[arg-type]
    projection = rng.standard_normal((dim, 32)).astype(np.float32)
    points = np.empty((len(have), 32), dtype=np.float32)
    for lo in range(0, len(have), 8192):  # projected in chunks: no full float32 copy of every vector
        chunk = np.stack([vectors[k] for k in have[lo : lo + 8192]]).astype(np.float32)  # type: ignore[misc]
        points[lo : lo + len(chunk)] = chunk @ projection
    k = max(2, len(have) // cluster)
    sample = points[rng.choice(len(points), min(len(points), 50 * k), replace=False)]
    centres = _seeds(sample, k, rng)
    for _ in range(5):  # Lloyd's iterations on the sample; an ordering only needs rough clusters
        nearest = _nearest(sample, centres)
        for c in range(k):
            members = sample[nearest == c]
            if len(members):
                centres[c] = members.mean(axis=0)
    out[have] = _nearest(points, centres)
    return out


def _seeds(sample: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each new centre drawn with probability growing with its distance to the chosen ones."""
    centres = np.empty((k, sample.shape[1]), dtype=np.float32)
    centres[0] = sample[rng.integers(len(sample))]
    d2 = ((sample - centres[0]) ** 2).sum(axis=1)
    for c in range(1, k):
        total = float(d2.sum())
        pick = int(rng.choice(len(sample), p=d2 / total)) if total > 0 else int(rng.integers(len(sample)))
        centres[c] = sample[pick]
        d2 = np.minimum(d2, ((sample - centres[c]) ** 2).sum(axis=1))
    return centres


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    out = np.empty(len(points), dtype=np.int64)
    c2 = (centres**2).sum(axis=1)
    for lo in range(0, len(points), 16384):
        p = points[lo : lo + 16384]
        out[lo : lo + len(p)] = np.argmin(c2[None, :] - 2 * p @ centres.T, axis=1)
    return out


def local_order(pairs: list[Pair], clusters: np.ndarray) -> list[Pair]:
    """Pairs sorted cluster pair by cluster pair, then by their items: neighbouring pairs share images."""

    def key(p: Pair) -> tuple[int, int, int, int]:
        ca, cb = sorted((int(clusters[p[0]]), int(clusters[p[1]])))
        return ca, cb, min(p), max(p)

    return sorted(pairs, key=key)


def local_order_keys(keys: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """local_order for packed pairs (i << 32 | j, i < j): the positions of `keys` in that order, without making a
    tuple per pair (a million candidate pairs at 100,000 photos)."""
    a, b = keys >> 32, keys & 0xFFFFFFFF
    ca, cb = clusters[a], clusters[b]
    return np.lexsort((b, a, np.maximum(ca, cb), np.minimum(ca, cb)))
