"""Reading a library's stored verdicts back, as a rescan after some changes does: time and memory for n files.

Fills a temporary store with n files and `--per-file` verdicts each (95 % "different", as a scan of the simulated
library stores them: 9.7 candidate pairs per photo, 3 % of them linked), then has a PairChecker load every pair's
stored verdict and answer for a sample of them, and reports the time, the peak of Python's allocations while
loading, and what stays held afterwards.

Usage: python bench/bench_verdicts.py [--files 100000] [--per-file 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from dedup_gui.core.checker import PairChecker, StoredVerdicts, _as_dict, verdict_version
from dedup_gui.core.content import Content
from dedup_gui.core.store import Store
from dedup_gui.core.types import FileRecord
from dedup_gui.core.verify import Verification


def verdict(rng: np.random.Generator) -> Verification:
    """A verdict with a scan's variety of values (every float its own object, as JSON gives them back)."""
    same = rng.random() < 0.05
    r = rng.random(8).tolist()
    return Verification(
        "same-photo" if same else "different",
        int(rng.integers(0, 300)),
        r[0],
        r[1],
        0.5 + r[2],
        0,
        False,
        r[3],
        "cropped 12 %" if same else "",
        0.5 + r[4] / 2 if same else r[4] / 2,
        uncovered_a=r[5],
        uncovered_b=r[6],
        keypoints=int(rng.integers(0, 400)),
    )


def fill(store: Store, n: int, per_file: int, rng: np.random.Generator) -> tuple[list[Content], list[tuple[int, int]]]:
    records = [FileRecord(f"/photos/{i // 100:04d}/IMG_{i:06d}.jpg", 1_000_000 + i, i, i) for i in range(n)]
    ids = store.sync_files(records)
    contents = [Content([r.path], [ids[r.path]], r.size) for r in records]
    pairs = set()
    for i in range(n):
        for j in rng.integers(0, n, per_file).tolist():
            if i != j:
                pairs.add((min(i, j), max(i, j)))
    ordered = sorted(pairs)
    rows = [(contents[i].file_ids[0], contents[j].file_ids[0], _as_dict(verdict(rng))) for i, j in ordered]
    for lo in range(0, len(rows), 100_000):
        store.save_verdicts(rows[lo : lo + 100_000], verdict_version())
    return contents, ordered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--per-file", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "s.sqlite3")
        started = time.perf_counter()
        contents, pairs = fill(store, args.files, args.per_file, rng)
        filled = time.perf_counter() - started
        checker = PairChecker(lambda ks: {}, StoredVerdicts(store, contents))
        tracemalloc.start()
        started = time.perf_counter()
        checker.load(pairs)
        loaded = time.perf_counter() - started
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        sample = [pairs[k] for k in rng.integers(0, len(pairs), 2000).tolist()]
        started = time.perf_counter()
        answered = sum(checker.known(*p) is not None for p in sample)
        asked = time.perf_counter() - started
        store.close()
    print(
        json.dumps(
            {
                "files": args.files,
                "verdicts": len(pairs),
                "fill_s": round(filled, 1),
                "load_s": round(loaded, 2),
                "load_peak_mb": round(peak / 2**20),
                "held_mb": round(held / 2**20),
                "held_bytes_per_verdict": round(held / len(pairs)),
                "known_ms_each": round(1000 * asked / len(sample), 3),
                "known_answered": f"{answered}/{len(sample)}",
            }
        )
    )


if __name__ == "__main__":
    main()
