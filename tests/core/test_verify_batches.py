"""Verifying pairs in bounded memory: close vectors clustered, pairs ordered by cluster, features kept within a
budget by the checker without changing a single verdict."""

from __future__ import annotations

import numpy as np
from PIL import Image

from dedup_gui.core.checker import PairChecker, _nbytes
from dedup_gui.core.verify_batches import cluster_ids, local_order
from tests.conftest import photo


def test_close_vectors_share_a_cluster() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((8, 256))
    labels = np.repeat(np.arange(8), 300)
    vectors = [centres[c] + 0.05 * rng.standard_normal(256) for c in labels]
    ids = cluster_ids([*vectors, None], cluster=300)
    assert ids[-1] == -1
    # each k-means cluster holds items of one true cluster (so pairs of close items stay close in the order)
    for k in set(ids[:-1].tolist()):
        assert np.bincount(labels[ids[:-1] == k]).max() >= 0.95 * (ids[:-1] == k).sum()


def test_pairs_are_ordered_cluster_pair_by_cluster_pair() -> None:
    clusters = np.array([0, 1, 0, 1, 2])
    pairs = [(3, 4), (0, 1), (0, 2), (1, 3), (2, 4)]
    assert local_order(pairs, clusters) == [(0, 2), (0, 1), (2, 4), (1, 3), (3, 4)]


def _thumbnails() -> list[np.ndarray]:
    """Twelve real photos and a resized copy of each (every second image), as 256-px RGB thumbnails."""
    out = []
    for name in ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat"):
        for angle in (0, 7):
            base = photo(name, (320, 240)).rotate(angle, resample=Image.Resampling.BICUBIC)
            out += [np.asarray(base), np.asarray(base.resize((256, 192), Image.Resampling.LANCZOS))]
    return out


def test_a_small_feature_budget_changes_no_verdict_and_bounds_memory() -> None:
    images = _thumbnails()
    pairs = [(i, j) for i in range(len(images)) for j in range(i + 1, len(images))]

    def load(indices: list[int]) -> dict[int, np.ndarray]:
        return {k: images[k] for k in indices}

    free = PairChecker(load, workers=2).verdicts(pairs)
    clusters = np.arange(len(images)) // 4
    tight = PairChecker(load, workers=2, clusters=clusters, budget=200_000)  # room for about 3 images' features
    bounded = tight.verdicts(pairs)
    assert {p: (v.verdict, round(v.score, 6)) for p, v in bounded.items()} == {
        p: (v.verdict, round(v.score, 6)) for p, v in free.items()
    }
    assert sum(v.verdict == "same-photo" for v in bounded.values()) >= len(images) // 2  # the copies are found
    kept = [f for f in tight._features.values() if f is not None]
    assert sum(_nbytes(f) for f in kept) <= 200_000
