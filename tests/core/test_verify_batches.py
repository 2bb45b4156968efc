"""Verifying pairs in bounded memory: every pair once, features dropped when done, close vectors clustered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from dedup_gui.core.verify_batches import cluster_ids, verify_in_batches


def _run(pairs, clusters, budget=64, batch=16, unmakeable=frozenset()):
    made: list[int] = []
    alive: set[int] = set()
    peak = [0]

    class Feature:
        def __init__(self, k: int) -> None:
            self.k = k
            alive.add(k)

        def __del__(self) -> None:
            alive.discard(self.k)

    def make(items):
        made.extend(items)
        out = {k: Feature(k) for k in items if k not in unmakeable}
        peak[0] = max(peak[0], len(alive))
        return out

    with ThreadPoolExecutor(2) as pool:
        results = [
            r
            for part in verify_in_batches(
                pairs, clusters, make, lambda a, b: (a.k, b.k), pool, batch=batch, budget=budget
            )
            for r in part
        ]
    return results, made, peak[0]


def test_every_pair_is_verified_once_with_its_own_features() -> None:
    rng = np.random.default_rng(0)
    pairs = sorted({(int(a), int(b)) for a, b in rng.integers(0, 2000, (6000, 2)) if a < b})
    results, made, peak = _run(pairs, np.zeros(2000, dtype=np.int64))
    assert sorted((i, j) for i, j, _ in results) == pairs
    assert all(v == (i, j) for i, j, v in results)
    assert peak <= 64 + 2 * 16 + 2 * 16  # the budget (64 items) plus the batch being verified
    assert len(set(made)) == len({k for p in pairs for k in p})


def test_features_are_dropped_when_no_pair_needs_them() -> None:
    # 500 separate pairs: without eviction by need every feature would stay, with it at most a batch's worth
    pairs = [(2 * k, 2 * k + 1) for k in range(500)]
    _, made, peak = _run(pairs, np.arange(1000) // 2, budget=10_000, batch=16)
    assert peak <= 3 * 16  # about one batch's features, not all 1,000
    assert len(made) == 1000  # nothing made twice


def test_pairs_whose_features_cannot_be_made_are_left_out() -> None:
    results, _, _ = _run([(0, 1), (1, 2), (2, 3)], np.zeros(4, dtype=np.int64), unmakeable={2})
    assert [(i, j) for i, j, _ in results] == [(0, 1)]


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
