"""How long writing and reading a scan's stored result holds the GIL, with the json module and piece by piece.

    python bench/bench_result_json.py STORE [--times 10]

STORE is a store a scan left (for instance `bench_library.py`'s run-N/store.sqlite3); its last result's groups
are repeated `--times` times (a 10k library's result ten times is about a 100k library's). A thread that asks for
the GIL every millisecond, as the window's does to paint, records the longest it waited. Printed per way: the
seconds taken and that longest wait, for writing and for reading.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dedup_gui.core.store import pieces


class Ticker:
    """A thread that wakes every millisecond and remembers its longest wait for the GIL."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            time.sleep(0.001)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last - 0.001)
            last = now

    def __enter__(self) -> Ticker:
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    with Ticker() as ticker:
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
    return out, took, ticker.longest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path)
    ap.add_argument("--times", type=int, default=10)
    args = ap.parse_args()
    with sqlite3.connect(f"file:{args.store}?mode=ro", uri=True) as db:
        row = db.execute("SELECT result FROM scans WHERE result IS NOT NULL ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        print("no stored result", file=sys.stderr)
        return 1
    result = json.loads(row[0])
    result["groups"] = result["groups"] * args.times
    text = json.dumps(result)
    print(f"{len(result['groups'])} groups, {len(text) / 1e6:.1f} MB of JSON")
    for name, dumps, loads in (("json", json.dumps, json.loads), ("pieces", pieces.dumps, pieces.loads)):
        best: dict[str, tuple[float, float]] = {}
        for _ in range(3):
            made, took_w, wait_w = timed(lambda d=dumps: d(result))  # type: ignore[misc]
            back, took_r, wait_r = timed(lambda ld=loads, m=made: ld(m))  # type: ignore[misc]
            assert made == text and back == result
            for step, took, wait in (("write", took_w, wait_w), ("read", took_r, wait_r)):
                best[step] = min(best.get(step, (took, wait)), (took, wait))
        cells = ", ".join(
            f"{step} {t * 1000:.0f} ms (longest GIL wait {w * 1000:.0f} ms)" for step, (t, w) in best.items()
        )
        print(f"{name:7s} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
