"""The matching stage alone, on a library already scanned: candidate search and verification as a first scan runs
them, without decoding again and without the stored verdicts, with counters of where the time goes.

    python bench/bench_matching.py FOLDER STORE [--mode near] [--workers 2]

STORE is a store a scan of FOLDER left (for instance `bench_library.py`'s run-N/store.sqlite3); it is copied first
(with what its write-ahead log holds) and never changed. The scan runs on the copy with every decode and embedding
read from it, while the links of earlier scans (all of them, or those a rescan keeps for unchanged photos), the
stored verdicts and the kept keypoints are ignored, so every candidate pair is verified again as in a first scan.
Printed: the stage's wall time, the verified pairs, and the thread seconds and counts of SIFT on thumbnails and on
larger decodes (with how many distinct pictures needed them), so a change to verification can be measured at 10k or
100k files in the time matching takes, not the time a whole first scan takes. `--every S` prints the pairs verified
so far every S seconds, so a run cut short still gives its rate.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from dedup_gui.core import checker, incremental, kept_keypoints, verify
from dedup_gui.core.config import ScanConfig, default_workers
from dedup_gui.core.pipeline import run_scan
from dedup_gui.core.store import Store
from dedup_gui.core.types import Mode


class Counters:
    """SIFT runs and their thread seconds, by size (thumbnail or larger decode), and the pictures they were for."""

    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.detail_pictures: set[int] = set()
        self.pairs = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        features, detail = verify.features, checker.PairChecker._detail_features

        def counted(img, side=verify.SIDE):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            out = features(img, side)
            with self._lock:
                kind = "thumbnail" if side == verify.SIDE else "larger decode"
                self.runs[kind] += 1
                self.seconds[kind] += time.perf_counter() - t
            return out

        def asked(pc, k, source, side):  # type: ignore[no-untyped-def]
            with self._lock:
                self.detail_pictures.add(k)
            return detail(pc, k, source, side)

        verify_pair = checker.PairChecker._verify_pair

        def verified(pc, *a, **kw):  # type: ignore[no-untyped-def]
            out = verify_pair(pc, *a, **kw)
            with self._lock:
                self.pairs += 1
            return out

        verify.features = counted
        checker.PairChecker._detail_features = asked  # type: ignore[method-assign]
        checker.PairChecker._verify_pair = verified  # type: ignore[method-assign]

    def report_every(self, seconds: float) -> None:
        """Print the pairs verified so far every `seconds`, from a daemon thread."""
        start = time.perf_counter()

        def loop() -> None:
            while True:
                time.sleep(seconds)
                minutes = (time.perf_counter() - start) / 60
                print(f"{minutes:6.1f} min: {self.pairs} pairs verified", flush=True)

        threading.Thread(target=loop, daemon=True).start()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--mode", choices=[m.value for m in Mode], default="near")
    ap.add_argument("--workers", type=int, default=default_workers())
    ap.add_argument(
        "--budget-mb",
        type=int,
        help="memory for thumbnails' features (default the checker's): a small one puts a 10k library under the "
        "pressure a 100k one has (32 MB at 10k: features needed 4.7 times per image, as 512 MB at 100k)",
    )
    ap.add_argument("--every", type=float, help="print the pairs verified so far every this many seconds")
    args = ap.parse_args()
    if args.budget_mb is not None:
        init = checker.PairChecker.__init__

        def budgeted(self, *a, **kw):  # type: ignore[no-untyped-def]
            init(self, *a, **{**kw, "budget": args.budget_mb << 20})

        checker.PairChecker.__init__ = budgeted  # type: ignore[method-assign]
    counters = Counters()
    counters.install()
    if args.every:
        counters.report_every(args.every)
    Store.completed_scan_with = lambda self, inputs: None  # type: ignore[method-assign]  # match again
    incremental.carried_over = lambda *a, **kw: None  # every pair, not only those of changed photos
    checker.StoredVerdicts.get = lambda self, pairs: {}  # type: ignore[method-assign]  # verify every pair again
    checker.StoredVerdicts.each = lambda self, pairs: iter(())  # type: ignore[method-assign]  # many at once
    kept_keypoints.StoredKeypoints.get = lambda self, indices: {}  # type: ignore[method-assign]  # SIFT as at first
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "store.sqlite3"
        with sqlite3.connect(f"file:{args.store}?mode=ro", uri=True) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)  # the main file alone may miss what the write-ahead log holds
        store = Store(copy)
        try:
            config = ScanConfig(roots=(args.folder.resolve(),), mode=Mode(args.mode), workers=args.workers)
            result = run_scan(config, store=store)
        finally:
            store.close()
    stats = result.stats
    matching = stats.seconds.get("matching", 0.0)
    print(f"{stats.images} images, {stats.decoded} decoded again (should be 0), mode {args.mode}")
    per_image = 1000 * matching / max(1, stats.images)
    print(f"matching {matching:.1f} s wall, {stats.verified} pairs verified ({per_image:.1f} ms/image)")
    for kind in ("thumbnail", "larger decode"):
        print(f"SIFT on {kind}s: {counters.runs[kind]} runs, {counters.seconds[kind]:.1f} thread-s")
    print(f"pictures that needed a larger decode: {len(counters.detail_pictures)}")
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
