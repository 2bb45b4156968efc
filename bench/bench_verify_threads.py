"""Does verification use the cores, and what does a pair cost? The candidate pairs of a scanned library, verified
again with 1, 2, 4, ... threads: wall time, pairs per second, the cores the process kept busy (its CPU time over
the wall time), and where the time went (thumbnails read from the store, larger decodes made).

    python bench/bench_verify_threads.py FOLDER STORE [--threads 1 2 4] [--limit 6000] [--sample N] [--seed 0]

STORE is a store a scan of FOLDER left (decodes and embeddings are read from a copy of it; nothing is decoded
again). The scan runs up to the verification of its candidates, which are captured with the scan's own settings
(which pairs are strong or close candidates, where each file can be decoded larger); then `--limit` pairs are
verified from scratch (no stored verdicts, no kept keypoints) once per thread count, as the matching stage does,
larger decodes included.

Which pairs: the first `--limit` in the checker's order by default, which are the first clusters' pairs and say
little about the whole library (clusters differ: one of them may need larger decodes twice as often as the
average). `--sample N` takes N pairs drawn at random from all candidates instead (seeded), verified in the
checker's order: each picture is then usually needed by one pair only, so every pair makes its pictures'
features and the figure is the cost of a pair of this library without the reuse of features a whole scan gets.
The same sample size and seed on two libraries compares what one pair costs in each.

Then, per candidate band (close hashes; cosine 0.9+, 0.8-0.9, 0.7-0.8, below), the pairs and the thread seconds
of their own tasks (verification and larger decodes; the thumbnails' features are made in tasks of their own and
counted once, under "thumbs s"), from the last thread count's run: which band the growth of a pair's cost with
the library comes from. And per band, the same by what the two thumbnails are (`--by-picture`): either has fewer
keypoints than `dense_keypoints` (a strong candidate is then aligned from the whole picture and may get a larger
decode), else either is short of detail (verify.PLAIN_DETAIL), else both are detailed: whether the dear pairs are
the pictures a simulator may make more often than real photos have them (bench/library_realism.py compares).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scan_candidates import scan_with_candidates
from verify_bands import band

from dedup_gui.core import checker, verify


class _Clock:
    """Seconds and calls of a wrapped function, summed over threads."""

    def __init__(self) -> None:
        self.seconds, self.calls, self._lock = 0.0, 0, threading.Lock()

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - start
                    self.calls += 1

        return timed


def picture_kind(a: verify.Features, b: verify.Features) -> str:
    """What the two thumbnails of a pair are, for the dear paths of verification (see the top)."""
    if min(len(a.points), len(b.points)) < verify.DEFAULT_THRESHOLDS.dense_keypoints:
        return "few keypoints"
    return "short of detail" if min(a.detail, b.detail) < verify.PLAIN_DETAIL else "detailed"


def _by_band(
    pairs: Any,
    spent: dict[tuple[int, int], float],
    details: dict[tuple[int, int], bool],
    kinds: dict[tuple[int, int], str] | None = None,
) -> None:
    """Pairs, their tasks' thread seconds and verdicts made on larger decodes per candidate band (see the top), or
    per band and picture kind when `kinds` are given."""
    rows: dict[str, list[float]] = {}
    for pair, seconds in spent.items():
        cand = pairs[pair]
        name = band(cand.hash_close, cand.cosine)
        if kinds is not None:
            name = f"{name}, {kinds.get(pair, '?')}"
        row = rows.setdefault(name, [0, 0.0, 0])
        row[0] += 1
        row[1] += seconds
        row[2] += details.get(pair, False)
    total = sum(r[1] for r in rows.values())
    width = 32 if kinds is not None else 13
    print(f"{'band':>{width}} {'pairs':>6} {'thread s':>9} {'ms a pair':>9} {'share':>6} {'detail':>7}")
    for name, (n, seconds, larger) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(
            f"{name:>{width}} {n:>6} {seconds:9.1f} {1000 * seconds / n:9.1f} {100 * seconds / max(total, 1e-9):5.0f}% "
            f"{larger:>7}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--limit", type=int, default=6000, help="pairs verified per run (the first found)")
    ap.add_argument("--sample", type=int, help="verify this many pairs drawn at random instead of the first")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--by-picture", action="store_true", help="also split each band by what its thumbnails are")
    args = ap.parse_args()
    each_verdict = checker.PairChecker.each_verdict
    decode_gray = checker.decode_gray
    verify_pair = checker.PairChecker._verify_pair
    spent: dict[tuple[int, int], float] = {}
    kinds: dict[tuple[int, int], str] = {}
    current = threading.local()
    verify_features = verify.verify_features

    def timed_pair(self, pair, *rest):  # type: ignore[no-untyped-def]
        start = time.thread_time()
        current.pair = pair
        try:
            return verify_pair(self, pair, *rest)
        finally:
            current.pair = None
            spent[pair] = time.thread_time() - start

    def kind_noted(a, b, *rest, **options):  # type: ignore[no-untyped-def]
        """A pair's first verification is on its thumbnails: what they are is noted there."""
        pair = getattr(current, "pair", None)
        if pair is not None and pair not in kinds:
            kinds[pair] = picture_kind(a, b)
        return verify_features(a, b, *rest, **options)

    checker.PairChecker._verify_pair = timed_pair  # type: ignore[method-assign]
    if args.by_picture:
        verify.verify_features = kind_noted
    measured = []

    def measure(self, pairs, dense=(), closer=(), doubtful=()):  # type: ignore[no-untyped-def]
        """Called by the scan with its candidates (assembly asks for a few pairs later): measured there, while
        the scan's contents are alive; the scan itself gets no verdicts and stops caring."""
        keys = checker._keys(pairs)
        if measured or len(keys) < 2 * checker._CHUNK:
            return iter(())
        measured.append(len(keys))
        if args.sample:
            rng = np.random.default_rng(args.seed)
            keys = np.sort(rng.choice(keys, min(args.sample, len(keys)), replace=False))
        else:
            keys = keys[: args.limit]
        chosen = [checker._unpacked(k) for k in keys.tolist()]
        how = "drawn at random" if args.sample else "the first"
        print(f"{len(chosen)} of {measured[0]} candidate pairs ({how}), {len({k for p in chosen for k in p})} images")
        print(
            f"{'threads':>7} {'wall s':>8} {'pairs/s':>8} {'cores busy':>10} {'thumbs s':>9} "
            f"{'larger decodes':>14} {'their s':>8} {'detail verdicts':>15}"
        )
        for threads in args.threads:
            thumbs, larger = _Clock(), _Clock()
            checker.decode_gray = larger.wrap(decode_gray)
            with tempfile.TemporaryDirectory() as scratch:
                fresh = checker.PairChecker(
                    thumbs.wrap(self._thumbnails),
                    sources=self._sources,
                    workers=threads,
                    clusters=self._clusters,
                    scratch=Path(scratch),
                )
                wall, cpu = time.perf_counter(), time.process_time()
                found = detail = 0
                spent.clear()
                kinds.clear()
                details: dict[tuple[int, int], bool] = {}
                for pair, v in each_verdict(fresh, chosen, dense, closer, doubtful):
                    found += 1
                    detail += v.detail
                    details[pair] = v.detail
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(
                    f"{threads:>7} {wall:8.1f} {found / wall:8.1f} {cpu / wall:10.2f} {thumbs.seconds:9.1f} "
                    f"{larger.calls:>14} {larger.seconds:8.1f} {detail:>15}",
                    flush=True,
                )
                fresh.release()
            checker.decode_gray = decode_gray
        _by_band(pairs, spent, details)
        if args.by_picture:
            print()
            _by_band(pairs, spent, details, kinds)
        return iter(())

    scan_with_candidates(args.folder, args.store, measure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
