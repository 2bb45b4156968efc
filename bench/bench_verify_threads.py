"""Does verification use the cores? The candidate pairs of a scanned library, verified again with 1, 2, 4, ...
threads: wall time, pairs per second and the cores the process kept busy (its CPU time over the wall time).

    python bench/bench_verify_threads.py FOLDER STORE [--threads 1 2 4] [--limit 6000]

STORE is a store a scan of FOLDER left (decodes and embeddings are read from a copy of it; nothing is decoded
again). The scan runs up to the verification of its candidates, which are captured with the scan's own settings
(which pairs are strong or close candidates, where each file can be decoded larger); then the first `--limit`
pairs are verified from scratch (no stored verdicts, no kept keypoints) once per thread count, as the matching
stage does, larger decodes included.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from scan_candidates import scan_with_candidates

from dedup_gui.core import checker


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("store", type=Path)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--limit", type=int, default=6000, help="pairs verified per run (the first found)")
    args = ap.parse_args()
    each_verdict = checker.PairChecker.each_verdict
    measured = []

    def measure(self, pairs, dense=(), closer=()):  # type: ignore[no-untyped-def]
        """Called by the scan with its candidates (assembly asks for a few pairs later): measured there, while
        the scan's contents are alive; the scan itself gets no verdicts and stops caring."""
        keys = checker._keys(pairs)
        if measured or len(keys) < 2 * checker._CHUNK:
            return iter(())
        measured.append(len(keys))
        chosen = [checker._unpacked(k) for k in keys[: args.limit].tolist()]
        print(f"{len(chosen)} of {len(keys)} candidate pairs, {len({k for p in chosen for k in p})} images")
        print(f"{'threads':>7} {'wall s':>8} {'pairs/s':>8} {'cores busy':>10}")
        for threads in args.threads:
            with tempfile.TemporaryDirectory() as scratch:
                fresh = checker.PairChecker(
                    self._thumbnails,
                    sources=self._sources,
                    workers=threads,
                    clusters=self._clusters,
                    scratch=Path(scratch),
                )
                wall, cpu = time.perf_counter(), time.process_time()
                found = sum(1 for _ in each_verdict(fresh, chosen, dense, closer))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"{threads:>7} {wall:8.1f} {found / wall:8.1f} {cpu / wall:10.2f}", flush=True)
                fresh.release()
        return iter(())

    scan_with_candidates(args.folder, args.store, measure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
